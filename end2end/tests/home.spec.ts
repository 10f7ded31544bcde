import { test, expect, waitForHydration } from "./fixtures";

test("the home page renders and says what the app does", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Cognito");
  await expect(page.locator("header.top-bar")).toBeVisible();
  await expect(page.locator("footer.footer")).toBeVisible();
});

test("the theme toggle works after hydration and is remembered", async ({ page }) => {
  await page.goto("/");
  await waitForHydration(page);
  const app = page.locator(".app");
  await expect(app).toHaveAttribute("data-theme", "light");

  await page.getByTestId("theme-toggle").click();
  await expect(app).toHaveAttribute("data-theme", "dark");

  await page.reload();
  await waitForHydration(page);
  await expect(app).toHaveAttribute("data-theme", "dark");

  await page.getByTestId("theme-toggle").click();
  await expect(app).toHaveAttribute("data-theme", "light");
});

test("the health check answers", async ({ request }) => {
  const response = await request.get("/healthz");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok" });
});

test("an unknown page is a 404", async ({ page }) => {
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
});
