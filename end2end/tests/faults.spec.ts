import { expect, test } from "@playwright/test";
import { dayAfterTomorrowAtGate, declareTrip, fleetFor, hydrated, open, registerFirm } from "./support";

/**
 * A browser gives a live stream up for good when the server answers it with an error
 * (503 while the database is out of reach). The page opens it again a few seconds later
 * and goes on following the trip. The refusal is made by the test (the shared database
 * is not stopped): the first request for the trip's stream is answered 503 with
 * Retry-After, as the portal answers during an outage.
 */
test("a trip page whose live stream was refused during an outage follows the trip again", async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), "live streams need JavaScript; without it the page refreshes itself");
  test.setTimeout(120_000);
  const firm = await registerFirm(page, testInfo);
  await fleetFor(page, firm);
  const tripUrl = await declareTrip(page, testInfo, {
    plate: firm.plateCanonical,
    direction: "export",
    gate: "huu-nghi",
    day: dayAfterTomorrowAtGate(),
    cargo: "Hạt điều",
    hs: "0801.32.00",
    weight: "12000",
    packages: "600",
  });
  const tripId = tripUrl.split("/").pop()!;

  let asked = 0;
  await page.route(`**/live/trips/${tripId}`, async (route) => {
    asked += 1;
    if (asked === 1) {
      await route.fulfill({ status: 503, headers: { "retry-after": "5", "content-type": "application/json" }, body: '{"Unavailable":{"retry_after_seconds":5}}' });
    } else {
      await route.continue();
    }
  });
  await open(page, testInfo, tripUrl);
  await expect(page.locator("#trip-status")).toHaveText("Đã khai báo");
  // Refused once, then asked again by the page itself.
  await expect.poll(() => asked, { timeout: 30_000 }).toBeGreaterThan(1);

  // Booked from another tab: the page shows it without a reload.
  const other = await page.context().newPage();
  await open(other, testInfo, `${tripUrl}/book`);
  await other.locator("#slot-list li.slot").nth(9).getByRole("button", { name: "Đặt" }).click();
  await expect(other).toHaveURL(/\?booked=1$/);
  await expect(page.locator("#trip-status")).toHaveText("Đã đặt chỗ");
});
