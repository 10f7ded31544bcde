import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";

/** Runs axe (WCAG 2.1 A and AA: labels, names, contrast, landmarks) on the current page. */
async function expectAccessible(page: Page, what: string) {
  await waitForHydration(page);
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(summary, `${what} has accessibility violations`).toEqual([]);
}

for (const theme of ["light", "dark"]) {
  test(`pages pass an accessibility check in the ${theme} theme`, async ({ page }) => {
    await page.goto("/");
    await waitForHydration(page);
    if (theme === "dark") await page.getByTestId("theme-toggle").click();
    await expectAccessible(page, "home (signed out)");

    await page.goto("/auth/login?return_to=/dashboard");
    await page.getByLabel("Username").fill("admin@example.com");
    await page.getByLabel("Password").fill("Admin-Passw0rd!");
    await page.getByRole("button", { name: /sign in/i }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expectAccessible(page, "dashboard");
    for (const path of ["/profile", "/admin", "/", "/auth/logout"]) {
      await page.goto(path);
      await expectAccessible(page, path);
    }
  });
}

test("keyboard users can reach the main content and every control", async ({ page }) => {
  await page.goto("/");
  await waitForHydration(page);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  // Focus is visible: the focused element gets an outline from :focus-visible.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
  expect(outline).not.toBe("none");
});
