import { expect, test } from "@playwright/test";
import { fieldError, open, registerFirm, settle } from "./support";

test("a clerk adds a vehicle typed loosely and finds it by a fragment of its plate", async ({ page }, testInfo) => {
  const firm = await registerFirm(page, testInfo);
  await open(page, testInfo, "/fleet");
  await page.getByRole("link", { name: "Thêm xe" }).click();
  await expect(page).toHaveURL(/\/fleet\/new$/);
  await settle(page, testInfo);
  await page.getByLabel("Biển số xe", { exact: true }).fill(firm.plateTyped);
  await page.getByLabel("Biển số rơ-moóc (nếu có)", { exact: true }).fill(firm.trailerCanonical.replace(/[-.]/g, " "));
  await page.getByLabel("Loại xe", { exact: true }).selectOption("tractor_trailer");
  await page.getByLabel("Số trục", { exact: true }).fill("5");
  await page.getByLabel("Tổng trọng lượng (kg)", { exact: true }).fill("40.000");
  await page.getByRole("button", { name: "Lưu" }).click();

  await expect(page).toHaveURL(/\/fleet\?added=/);
  await expect(page.getByRole("status")).toHaveText(`Đã thêm xe ${firm.plateCanonical}.`);
  const card = page.locator("#fleet-list .card");
  await expect(card).toHaveCount(1);
  await expect(card.getByRole("link", { name: firm.plateCanonical })).toBeVisible();
  await expect(card).toContainText(firm.trailerCanonical);
  await expect(card).toContainText("Đầu kéo sơ-mi rơ-moóc");

  await settle(page, testInfo);
  await page.getByLabel("Tìm theo biển số", { exact: true }).fill(firm.plateCanonical.slice(4, 8));
  await page.getByRole("button", { name: "Tìm" }).click();
  await expect(page).toHaveURL(/search=/);
  await expect(page.locator("#fleet-list .card")).toHaveCount(1);
  await page.getByLabel("Tìm theo biển số", { exact: true }).fill("99999");
  await page.getByRole("button", { name: "Tìm" }).click();
  await expect(page.getByText("Không có xe nào khớp với “99999”.")).toBeVisible();
});

test("a bad plate is refused beside its field and the form keeps what was typed", async ({ page }, testInfo) => {
  await registerFirm(page, testInfo);
  await open(page, testInfo, "/fleet/new");
  await page.getByLabel("Biển số xe", { exact: true }).fill("12C-12");
  await page.getByLabel("Số trục", { exact: true }).fill("1");
  await page.getByLabel("Tổng trọng lượng (kg)", { exact: true }).fill("12000");
  await page.getByRole("button", { name: "Lưu" }).click();

  await expect(fieldError(page, "plate")).toHaveText("Không phải biển số hợp lệ. Ví dụ: 12C-123.45 hoặc 桂A12345.");
  await expect(fieldError(page, "axles")).toHaveText("Cần một số từ 2 đến 10.");
  await expect(page.getByLabel("Biển số xe", { exact: true })).toHaveValue("12C-12");
  await expect(page.getByLabel("Tổng trọng lượng (kg)", { exact: true })).toHaveValue("12000");
  await expect(page.getByLabel("Biển số xe", { exact: true })).toHaveAttribute("aria-invalid", "true");
});

test("a vehicle is edited, then deactivated", async ({ page }, testInfo) => {
  const firm = await registerFirm(page, testInfo);
  await open(page, testInfo, "/fleet/new");
  await page.getByLabel("Biển số xe", { exact: true }).fill(firm.plateTyped);
  await page.getByLabel("Số trục", { exact: true }).fill("2");
  await page.getByLabel("Tổng trọng lượng (kg)", { exact: true }).fill("11000");
  await page.getByRole("button", { name: "Lưu" }).click();
  await expect(page).toHaveURL(/\/fleet\?added=/);
  await settle(page, testInfo);

  await page.getByRole("link", { name: firm.plateCanonical }).click();
  await expect(page.getByRole("heading", { name: `Xe ${firm.plateCanonical}` })).toBeVisible();
  await settle(page, testInfo);
  await page.getByLabel("Loại xe", { exact: true }).selectOption("refrigerated");
  await page.getByLabel("Số trục", { exact: true }).fill("3");
  await page.getByRole("button", { name: "Lưu" }).click();
  await expect(page.getByRole("status")).toHaveText("Đã lưu.");
  await expect(page.getByLabel("Số trục", { exact: true })).toHaveValue("3");
  await expect(page.getByLabel("Loại xe", { exact: true })).toHaveValue("refrigerated");

  await settle(page, testInfo);
  await page.getByRole("button", { name: "Ngừng sử dụng xe này" }).click();
  await expect(page.getByText("Xe này đang ngừng sử dụng; biển số có thể được đăng ký cho xe khác.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Dùng lại xe này" })).toBeVisible();
  await open(page, testInfo, "/fleet");
  await expect(page.locator("#fleet-list .card.inactive")).toHaveCount(1);
});

test("a CSV import adds the good rows and explains each bad one", async ({ page }, testInfo) => {
  const firm = await registerFirm(page, testInfo);
  await open(page, testInfo, "/fleet");
  await page.getByRole("link", { name: "Nhập từ tệp CSV" }).click();
  await expect(page).toHaveURL(/\/fleet\/import$/);
  await settle(page, testInfo);
  const csv = [
    "plate,trailer_plate,kind,axles,gross_weight_kg,country",
    `${firm.plateCanonical},,truck,2,12000,VN`,
    "12C-99,,truck,2,12000,VN",
    `${firm.plateTyped},,truck,2,12000,VN`,
    "12C-123.45,,truck,2,12000,VN",
  ].join("\n");
  await page.getByLabel("Tệp CSV", { exact: true }).setInputFiles({ name: "doi-xe.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Nhập" }).click();

  await expect(page).toHaveURL(/\/fleet\/imports\//);
  await expect(page.locator("#import-summary")).toHaveText("1 xe đã thêm, 3 dòng bị từ chối.");
  const row = (line: number) => page.locator(`#import-report tr[data-line="${line}"]`);
  await expect(row(2)).toContainText("Đã thêm");
  await expect(row(3)).toContainText("Không phải biển số hợp lệ.");
  await expect(row(4)).toContainText("Biển số này đã có ở dòng 2 của tệp.");
  await expect(row(5)).toContainText("Biển số này đã được đăng ký cho một xe khác.", { timeout: 15_000 });
});

test("a file that is not CSV is refused with a reason", async ({ page }, testInfo) => {
  await registerFirm(page, testInfo);
  await open(page, testInfo, "/fleet/import");
  await page.getByLabel("Tệp CSV", { exact: true }).setInputFiles({ name: "anh.csv", mimeType: "text/csv", buffer: Buffer.from([0xff, 0xd8, 0xff, 0x00]) });
  await page.getByRole("button", { name: "Nhập" }).click();
  await expect(page.getByRole("alert")).toHaveText("Tệp không đọc được như CSV (UTF-8). Hãy lưu lại dưới dạng CSV UTF-8.");
});
