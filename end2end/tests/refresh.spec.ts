import { Page } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";

/** Signs the demo user in through the hosted UI, landing on the hydrated dashboard. */
async function signInToDashboard(page: Page): Promise<void> {
  await page.goto("/auth/login?return_to=/dashboard");
  await page.getByLabel("Username").fill("user@example.com");
  await page.getByLabel("Password").fill("User-Passw0rd!");
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await waitForHydration(page);
}

// scripts/test.sh runs the end-to-end server with 8-second tokens refreshed 3 seconds before
// expiry, so the dashboard has to renew them several times while this test watches.
test("the dashboard stays signed in across token expiries without a reload", async ({ page }) => {
  test.setTimeout(60_000);
  await signInToDashboard(page);

  // A marker that a reload would erase.
  await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
  const expiry = page.getByTestId("access-token-expiry");
  const seen = [await expiry.textContent()];
  for (let round = 0; round < 3; round++) {
    await expect.poll(async () => expiry.textContent(), { timeout: 15_000 }).not.toBe(seen[seen.length - 1]);
    seen.push(await expiry.textContent());
  }
  // Each refresh moved the expiry forward.
  const times = seen.map((text) => Date.parse(text ?? ""));
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);

  expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
  await expect(page.getByTestId("claim-email")).toContainText("user@example.com");
  // The session is still good for the server too.
  const me = await page.request.get("/api/v1/me");
  expect(me.status()).toBe(200);
});

// Timers are throttled in background tabs, so the dashboard also asks the server to refresh
// when the tab regains focus: at once, not when the timer would have fired (the server decides
// whether the tokens are due).
test("the dashboard asks for a refresh when the tab regains focus", async ({ page }) => {
  await signInToDashboard(page);

  const refreshCalls: number[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/fn/refresh_session")) refreshCalls.push(Date.now());
  });
  const focusedAt = Date.now();
  const call = page.waitForRequest((request) => request.url().includes("/fn/refresh_session"), { timeout: 2_000 });
  await page.evaluate(() => window.dispatchEvent(new Event("focus")));
  const request = await call;
  expect(request.method()).toBe("POST");
  expect(refreshCalls.length).toBe(1);
  expect(refreshCalls[0] - focusedAt).toBeLessThan(1_000);
  const answer = await request.response();
  expect(answer?.status()).toBe(200);
  await expect(page.getByTestId("claim-email")).toContainText("user@example.com");
});

// A session ended elsewhere (here from another browser's list of sessions, as for a lost
// phone): the open dashboard learns it at its next keep-alive call and goes to "Your session
// has expired", with the way back to the dashboard.
test("an open dashboard leaves when its session is ended from another browser", async ({ page, browser }) => {
  await signInToDashboard(page);
  const origin = new URL(page.url()).origin;
  const thisSession = page.locator('[data-testid="session-item"][data-current="true"] input[name="session"]');
  const key = await thisSession.getAttribute("value");
  expect(key).toBeTruthy();

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(`${origin}/auth/login?return_to=/dashboard`);
  await otherPage.getByLabel("Username").fill("user@example.com");
  await otherPage.getByLabel("Password").fill("User-Passw0rd!");
  await otherPage.getByRole("button", { name: /sign in/i }).click();
  await expect(otherPage).toHaveURL(/\/dashboard$/);
  const ended = await other.request.post(`${origin}/auth/sessions/end`, {
    form: { session: key ?? "" },
    headers: { origin },
    maxRedirects: 0,
  });
  expect(ended.status()).toBe(303);
  await other.close();

  await page.evaluate(() => window.dispatchEvent(new Event("focus")));
  await expect(page).toHaveURL(/\/auth\/session-expired\?return_to=(%2F|\/)dashboard$/);
  await expect(page.getByTestId("session-expired")).toContainText("Your session has expired");
});
