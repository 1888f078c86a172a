import { expect, test } from "@playwright/test";
import { hydrated, open } from "./support";

// Every page hydrates under the portal's Content-Security-Policy (scripts of the site
// and the one inline hydration script with the page's nonce, no inline styles), and
// the browser reports no violation anywhere.
test("pages hydrate under the Content-Security-Policy without a single violation", async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), "a policy violation is reported to scripts; without JavaScript there is nothing to report");
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

  for (const path of ["/", "/board", "/login", "/register"]) {
    await open(page, testInfo, path);
    expect(await violations(), path).toEqual([]);
  }
  const signedIn = await page.request.post("/api/login", {
    form: { identifier: "lan@huunghi.example", password: "cuakhau-2026" },
  });
  expect(signedIn.status()).toBe(200);
  for (const path of ["/trips", "/trips/new", "/fleet", "/people", "/account"]) {
    await open(page, testInfo, path);
    expect(await violations(), path).toEqual([]);
  }
});
