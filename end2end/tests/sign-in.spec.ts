import { test, expect, waitForHydration } from "./fixtures";
import type { Page } from "@playwright/test";

const ADMIN = { username: "admin@example.com", password: "Admin-Passw0rd!" };
const USER = { username: "user@example.com", password: "User-Passw0rd!" };

/** Fills in the embedded identity provider's hosted sign-in form. */
async function signInAtProvider(page: Page, user: { username: string; password: string }) {
  await expect(page.getByLabel("Username")).toBeVisible();
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: /sign in/i }).click();
}

test("an admin signs in, sees their claims, opens /admin and signs out", async ({ page }) => {
  await page.goto("/dashboard");
  // Not signed in: the app sends the browser to the hosted UI.
  await expect(page).toHaveURL(/\/login\?/);
  await signInAtProvider(page, ADMIN);

  await expect(page).toHaveURL(/\/dashboard$/);
  await waitForHydration(page);
  await expect(page.getByTestId("claim-email")).toContainText("admin@example.com");
  await expect(page.getByTestId("claim-email")).toContainText("verified");
  await expect(page.getByTestId("claim-groups")).toContainText("admin");
  await expect(page.getByTestId("user-chip")).toContainText("Ada Admin");

  // The session cookie is opaque and out of JavaScript's reach.
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "lc_session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");
  expect(session?.value).not.toContain("eyJ");
  expect(await page.evaluate(() => document.cookie)).not.toContain("lc_session");

  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId("admin-overview")).toBeVisible();

  const reload = await page.goto("/admin");
  expect(reload?.status()).toBe(200);

  await page.getByTestId("sign-out").click();
  await expect(page.getByTestId("sign-in-state")).toContainText("You are signed out");

  // Pages are `no-store`: Back asks the server again instead of showing the admin page from a
  // cache, and the server wants a sign-in.
  await page.goBack();
  await expect(page).toHaveURL(/\/login\?/);
  await expect(page.getByTestId("admin-overview")).toHaveCount(0);

  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?/);
  await expect(page.getByLabel("Password")).toBeVisible();
});

test("a user outside the admin group gets the 403 page at /admin", async ({ page }) => {
  await page.goto("/auth/login?return_to=/admin");
  await signInAtProvider(page, USER);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId("forbidden")).toBeVisible();
  const response = await page.goto("/admin");
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId("forbidden")).toBeVisible();
});

test("the profile page lists every claim of the ID token", async ({ page }) => {
  await page.goto("/auth/login?return_to=/profile");
  await signInAtProvider(page, USER);
  await expect(page).toHaveURL(/\/profile$/);
  const table = page.getByTestId("claims-table");
  await expect(table).toContainText("cognito:username");
  await expect(table).toContainText("token_use");
  await expect(table).toContainText("user@example.com");
});

test("the dashboard lists your sessions and signs you out everywhere", async ({ page, browser }) => {
  await page.goto("/auth/login?return_to=/dashboard");
  await signInAtProvider(page, USER);
  await expect(page).toHaveURL(/\/dashboard$/);
  const origin = new URL(page.url()).origin;

  // The same person in a second browser (its own cookies).
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(`${origin}/auth/login?return_to=/dashboard`);
  await signInAtProvider(otherPage, USER);
  await expect(otherPage).toHaveURL(/\/dashboard$/);
  expect((await other.request.get(`${origin}/api/v1/me`)).status()).toBe(200);

  await page.reload();
  await waitForHydration(page);
  // Both browsers are listed (and the person's sessions from earlier tests, still signed in).
  const current = page.locator('[data-testid="session-item"][data-current="true"]');
  await expect(current).toHaveCount(1);
  await expect(current).toContainText("this browser");
  expect(await page.getByTestId("session-item").count()).toBeGreaterThanOrEqual(2);

  await page.getByTestId("sign-out-everywhere").click();
  await expect(page.getByTestId("sign-in-state")).toContainText("You are signed out");
  // The other browser's session has ended too.
  expect((await other.request.get(`${origin}/api/v1/me`)).status()).toBe(401);
  await other.close();
});

test("one other session is signed out from the list, and this browser stays signed in", async ({ page, browser }) => {
  await page.goto("/auth/login?return_to=/dashboard");
  await signInAtProvider(page, USER);
  await expect(page).toHaveURL(/\/dashboard$/);
  const origin = new URL(page.url()).origin;
  // A clean slate: earlier tests may have left this person signed in elsewhere.
  await page.getByTestId("sign-out-everywhere").click();
  await expect(page.getByTestId("sign-in-state")).toContainText("You are signed out");
  await page.goto("/auth/login?return_to=/dashboard");
  await signInAtProvider(page, USER); // signing out ended the provider's session too
  await expect(page).toHaveURL(/\/dashboard$/);
  // The same person in Firefox: its own cookies, and a device name of its own in the list.
  const firefox = await browser.newContext({
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  });
  const firefoxPage = await firefox.newPage();
  await firefoxPage.goto(`${origin}/auth/login?return_to=/dashboard`);
  await signInAtProvider(firefoxPage, USER);
  await expect(firefoxPage).toHaveURL(/\/dashboard$/);

  await page.reload();
  await waitForHydration(page);
  const items = page.getByTestId("session-item");
  await expect(items).toHaveCount(2);
  const other = items.filter({ hasText: "Firefox" });
  await expect(other).toHaveCount(1);
  await expect(other).toHaveAttribute("data-current", "false");
  await other.getByTestId("end-session").click();

  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(items).toHaveCount(1);
  await expect(items.first()).toHaveAttribute("data-current", "true");
  expect((await firefox.request.get(`${origin}/api/v1/me`)).status()).toBe(401);
  expect((await page.request.get(`${origin}/api/v1/me`)).status()).toBe(200);
  await firefox.close();
});

test("'Sign in as someone else' asks the provider for a password even while it knows the browser", async ({ page }) => {
  await page.goto("/auth/login?return_to=/dashboard");
  await signInAtProvider(page, USER);
  await expect(page).toHaveURL(/\/dashboard$/);
  await waitForHydration(page);
  await expect(page.getByTestId("claim-email")).toContainText("user@example.com");

  await page.getByTestId("switch-account").click();
  // prompt=login: the form again, not a silent sign-in as the same person.
  await signInAtProvider(page, ADMIN);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("claim-email")).toContainText("admin@example.com");
  await expect(page.getByTestId("claim-groups")).toContainText("admin");
});
