import { expect, Page, test, TestInfo } from "@playwright/test";
import { fieldError, open, registerFirm, settle } from "./support";

/** Tomorrow at the gate (Vietnam, UTC+7): the whole day is bookable. */
function tomorrowAtGate(): string {
  return new Date(Date.now() + (7 + 24) * 3600_000).toISOString().slice(0, 10);
}

/** A vehicle and a driver for the signed-in firm, through the same API the pages use. */
async function fleetFor(page: Page, plate: string, phone: string) {
  const vehicle = await page.request.post("/api/add_vehicle", {
    form: { plate, trailer_plate: "", kind: "refrigerated", axles: "3", gross_weight_kg: "24000", country: "VN" },
  });
  expect(vehicle.status()).toBe(200);
  const driver = await page.request.post("/api/add_person", {
    form: { role: "driver", full_name: "Hoàng Văn Thụ", email: "", phone, id_number: "020190001234", password: "mat-khau-2026" },
  });
  expect(driver.status()).toBe(200);
}

/** The booked count of one slot on the public board. */
async function boardCount(page: Page, testInfo: TestInfo, day: string, start: string): Promise<number> {
  await open(page, testInfo, `/board?gate=huu-nghi&day=${day}`);
  const cell = page.locator(`#board tr[data-slot-start="${start}"] td[data-direction="export"] .load`);
  return Number(await cell.getAttribute("data-booked"));
}

test("a trip is declared, booked, moved and cancelled, and the board follows", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const firm = await registerFirm(page, testInfo);
  await fleetFor(page, firm.plateTyped, firm.phone);
  const day = tomorrowAtGate();
  // Each project and parallel worker books its own hours of the day, so no two runs share
  // a slot (parallelIndex stays below the worker count; workerIndex grows at each restart).
  const project = testInfo.config.projects.findIndex((p) => p.name === testInfo.project.name);
  const first = 1 + ((project * testInfo.config.workers + testInfo.parallelIndex) % 8) * 3;

  await open(page, testInfo, "/trips/new");
  await page.getByLabel("Xe", { exact: true }).selectOption({ label: firm.plateCanonical });
  await page.getByLabel("Lái xe", { exact: true }).selectOption({ index: 1 });
  await page.getByLabel("Chiều đi", { exact: true }).selectOption("export");
  await page.getByLabel("Cửa khẩu", { exact: true }).selectOption("huu-nghi");
  await page.getByLabel("Ngày dự kiến qua", { exact: true }).fill(day);
  await page.getByLabel("Mô tả hàng hóa", { exact: true }).fill("Thanh long tươi");
  await page.getByLabel("Mã HS", { exact: true }).fill("0810.90.10");
  await page.getByLabel("Trọng lượng hàng (kg)", { exact: true }).fill("18.000");
  await page.getByLabel("Số kiện", { exact: true }).fill("1200");
  await page.getByLabel("Hàng đông lạnh / xe lạnh", { exact: true }).check();
  await page.getByLabel("Nhiệt độ cài đặt (°C)", { exact: true }).fill("4");
  await page.getByLabel("Số container (mỗi dòng một số)", { exact: true }).fill("CSQU3054384");
  await page.getByLabel("Số tờ khai hải quan", { exact: true }).fill("105523456789");
  await page.getByRole("button", { name: "Khai báo" }).click();

  await expect(fieldError(page, "containers")).toHaveText("Chữ số kiểm tra không khớp: hãy soát lại số container.");
  await expect(page.getByLabel("Mô tả hàng hóa", { exact: true })).toHaveValue("Thanh long tươi");
  await settle(page, testInfo);
  await page.getByLabel("Số container (mỗi dòng một số)", { exact: true }).fill("CSQU3054383");
  await page.getByRole("button", { name: "Khai báo" }).click();
  await expect(page).toHaveURL(/\/trips\/[0-9a-f-]+\?declared=1$/);
  await expect(page.locator("#trip-status")).toHaveText("Đã khai báo");
  const tripUrl = page.url().split("?")[0];
  await settle(page, testInfo);

  await page.getByRole("link", { name: "Đặt khung giờ" }).click();
  await expect(page).toHaveURL(/\/book$/);
  await settle(page, testInfo);
  const slot = page.locator("#slot-list li.slot").nth(first);
  const start = (await slot.getAttribute("data-start"))!;
  await expect(slot).toContainText("Còn 4/20 chỗ");
  const before = await boardCount(page, testInfo, day, start);
  await page.goto(`${tripUrl}/book`);
  await settle(page, testInfo);
  await page.locator(`#slot-list li[data-start="${start}"]`).getByRole("button", { name: "Đặt" }).click();
  await expect(page).toHaveURL(/\?booked=1$/);
  await expect(page.locator("#trip-status")).toHaveText("Đã đặt chỗ");
  await expect(page.locator("#booking .pass-code")).toHaveText(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  await expect.poll(() => boardCount(page, testInfo, day, start)).toBe(before + 1);

  await page.goto(`${tripUrl}/pass`);
  await settle(page, testInfo);
  await expect(page.locator(".pass-plate")).toHaveText(firm.plateCanonical);
  await expect(page.locator(".qr svg")).toBeVisible();

  await page.goto(tripUrl);
  await settle(page, testInfo);
  await page.getByRole("link", { name: "Đổi khung giờ" }).click();
  await expect(page).toHaveURL(/\/book$/);
  await settle(page, testInfo);
  await expect(page.locator(`#slot-list li[data-start="${start}"]`)).toContainText("Khung giờ hiện tại");
  const next = page.locator("#slot-list li.slot").nth(first + 1);
  const nextStart = (await next.getAttribute("data-start"))!;
  await next.getByRole("button", { name: "Chuyển sang đây" }).click();
  await expect(page).toHaveURL(/\?moved=1$/);
  await expect(page.locator("#timeline")).toContainText("Đổi khung giờ");
  await expect.poll(() => boardCount(page, testInfo, day, start)).toBe(before);
  const moved = await boardCount(page, testInfo, day, nextStart);
  expect(moved).toBeGreaterThanOrEqual(1);

  await page.goto(tripUrl);
  await settle(page, testInfo);
  await page.getByRole("button", { name: "Hủy đặt chỗ" }).click();
  await expect(page).toHaveURL(/\?cancelled=1$/);
  await expect(page.locator("#trip-status")).toHaveText("Đã khai báo");
  await expect.poll(() => boardCount(page, testInfo, day, nextStart)).toBe(moved - 1);
});

test("the public board needs no account and shows every hour of the day", async ({ page }, testInfo) => {
  await open(page, testInfo, "/board");
  await expect(page.getByRole("heading", { name: "Tình trạng cửa khẩu" })).toBeVisible();
  // Every hour has its row (a gate may add slots between the hours: the clearance test
  // moves one to start in ten minutes).
  const rows = page.locator("#board tbody tr");
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBeGreaterThanOrEqual(24);
  await expect(rows.first().locator("th")).toContainText("00:00");
  await page.getByLabel("Cửa khẩu", { exact: true }).selectOption("tan-thanh");
  await page.getByRole("button", { name: "Xem" }).click();
  await expect(page).toHaveURL(/gate=tan-thanh/);
  await expect(page.locator("#board tbody tr").first()).toContainText("/10");
});
