import { test as base, expect, Page } from "@playwright/test";

/**
 * A page that fails the test on any console error or uncaught exception, so a hydration
 * failure (which Leptos reports on the console) cannot pass silently.
 */
export const test = base.extend<{ page: Page }>({
  page: async ({ page }, use) => {
    const problems: string[] = [];
    page.on("console", (message) => {
      // Chromium reports every 4xx page load as a console error; the tests assert those
      // statuses themselves.
      const expectedStatus = /^Failed to load resource: the server responded with a status of 40[134]/;
      if (message.type() === "error" && !expectedStatus.test(message.text())) {
        problems.push(`console error: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await use(page);
    expect(problems, "the browser reported errors").toEqual([]);
  },
});

export { expect };

/** Waits until the WASM bundle has hydrated the page. */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.hydrated === "true");
}
