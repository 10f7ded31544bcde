// Opens the release directory's app (DIST_URL) in Debian's Chromium and checks that the page
// loads its stylesheet and hydrates, with no failed request and no console error.
import { chromium } from "@playwright/test";

const url = process.env.DIST_URL;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"],
});
const problems = [];
const page = await browser.newPage();
page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
const response = await page.goto(url);
if (response?.status() !== 200) problems.push(`the page answered ${response?.status()}`);
try {
  await page.waitForFunction(() => document.body.dataset.hydrated === "true", null, { timeout: 15000 });
} catch {
  problems.push("the page did not hydrate");
}
const styled = await page.evaluate(() =>
  [...document.styleSheets].some((sheet) => sheet.href && sheet.href.includes("/pkg/") && sheet.cssRules.length > 0));
if (!styled) problems.push("the stylesheet from /pkg/ did not load");
await browser.close();
if (problems.length > 0) {
  console.error(`dist-check failed:\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`dist-check: ${url} loads its CSS and hydrates, started from another directory`);
