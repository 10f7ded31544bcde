// The Node.js way to serve a Cognito-protected JSON API, for scripts/bench.sh to compare with:
// node:http and AWS's own verifier, aws-jwt-verify, set up as its README recommends (JWKS
// fetched once up front with hydrate(); each request verified: RS256 signature, iss, exp,
// token_use, client_id). aws-jwt-verify keeps no cache of verified tokens, so every request
// pays one RSA verification; that is the library's design, not a handicap we added.
//
// CognitoJwtVerifier derives the issuer from the pool id (https://cognito-idp.{region}...),
// which the embedded provider on loopback cannot have, so the generic JwtRsaVerifier is given
// the same issuer and key-set URI and the two Cognito checks CognitoJwtVerifier would make.
import http from "node:http";
import { JwtRsaVerifier } from "aws-jwt-verify";

const issuer = process.env.BASELINE_ISSUER;
const clientId = process.env.BASELINE_CLIENT_ID;
const [host, port] = (process.env.BASELINE_ADDR ?? "127.0.0.1:3520").split(":");
if (!issuer || !clientId) {
  console.error("BASELINE_ISSUER and BASELINE_CLIENT_ID must be set");
  process.exit(2);
}

const verifier = JwtRsaVerifier.create({
  issuer,
  audience: null, // Cognito access tokens carry client_id, not aud
  jwksUri: `${issuer}/.well-known/jwks.json`,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== "access" || payload.client_id !== clientId) {
      throw new Error("not an access token of this client");
    }
  },
});
// The library fetches key sets over https only; the embedded provider serves plain http on
// loopback, so the key set is fetched here and handed over with cacheJwks, as its README
// describes for verifiers without network access. Verification is the same either way.
const jwks = await (await fetch(`${issuer}/.well-known/jwks.json`)).json();
verifier.cacheJwks(jwks);

function answer(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

http
  .createServer(async (req, res) => {
    if (req.url === "/healthz") return answer(res, 200, { status: "ok" });
    if (req.url !== "/api/v1/me") return answer(res, 404, { error: "not_found" });
    const header = req.headers.authorization ?? "";
    if (!header.startsWith("Bearer ")) return answer(res, 401, { error: "unauthorized" });
    try {
      const claims = await verifier.verify(header.slice("Bearer ".length));
      answer(res, 200, {
        client_id: claims.client_id,
        groups: claims["cognito:groups"] ?? [],
        scopes: String(claims.scope ?? "").split(" ").filter(Boolean),
        sub: claims.sub,
        username: claims.username ?? claims.sub,
      });
    } catch {
      answer(res, 401, { error: "unauthorized" });
    }
  })
  .listen(Number(port), host);
