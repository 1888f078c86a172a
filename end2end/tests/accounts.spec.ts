import { expect, test } from "@playwright/test";
import { fieldError, fleetFor, hydrated, open, passSecondStep, PASSWORD, registerFirm, settle, unique } from "./support";

test("a firm registers, its admin signs out and signs back in", async ({ page }, testInfo) => {
  const firm = await registerFirm(page, testInfo);
  await expect(page.getByRole("heading", { name: "Chuyến đi" })).toBeVisible();
  await expect(page.getByText("Chưa có chuyến nào.")).toBeVisible();

  await page.getByRole("button", { name: "Đăng xuất" }).click();
  await expect(page).toHaveURL(/\/$/);
  await settle(page, testInfo);
  await expect(page.getByRole("navigation", { name: "Điều hướng chính" }).getByRole("link", { name: "Đăng nhập" })).toBeVisible();

  await open(page, testInfo, "/login");
  await page.getByLabel("Email hoặc số điện thoại", { exact: true }).fill(firm.email.toUpperCase());
  await page.getByLabel("Mật khẩu", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(page).toHaveURL(/\/trips$/);
  await expect(page.getByRole("button", { name: "Đăng xuất" })).toBeVisible();
});

test("a refused registration shows each problem beside its field and keeps what was typed", async ({ page }, testInfo) => {
  const firm = unique(testInfo);
  await open(page, testInfo, "/register");
  await page.getByLabel("Tên doanh nghiệp", { exact: true }).fill("Công ty Hữu Nghị");
  await page.getByLabel("Mã số thuế", { exact: true }).fill("49001");
  await page.getByLabel("Địa chỉ", { exact: true }).fill("Km 3, Đồng Đăng, Lạng Sơn");
  await page.getByLabel("Điện thoại doanh nghiệp", { exact: true }).fill("0205 3851 234");
  await page.getByLabel("Họ và tên", { exact: true }).fill("Nguyễn Thị Lan");
  await page.getByLabel("Email", { exact: true }).fill(firm.email);
  await page.getByLabel("Mật khẩu", { exact: true }).fill("ngan");
  await page.getByRole("button", { name: "Đăng ký" }).click();

  await expect(fieldError(page, "tax_code")).toHaveText("Mã số thuế gồm 10 chữ số, hoặc 13 chữ số cho chi nhánh.");
  await expect(fieldError(page, "password")).toHaveText("Mật khẩu cần ít nhất 8 ký tự.");
  await expect(fieldError(page, "firm_name")).toBeHidden();
  await expect(page.getByLabel("Tên doanh nghiệp", { exact: true })).toHaveValue("Công ty Hữu Nghị");
  await expect(page.getByLabel("Mã số thuế", { exact: true })).toHaveValue("49001");
  // A password is never sent back: without JavaScript the page comes back with it empty;
  // hydrated, the form simply stays as the user left it.
  await expect(page.getByLabel("Mật khẩu", { exact: true })).toHaveValue(hydrated(testInfo) ? "ngan" : "");
  await expect(page.getByRole("alert").first()).toContainText("Vui lòng sửa các mục được đánh dấu.");
});

test("a wrong password is refused with a message", async ({ page }, testInfo) => {
  await open(page, testInfo, "/login");
  await page.getByLabel("Email hoặc số điện thoại", { exact: true }).fill("lan@huunghi.example");
  await page.getByLabel("Mật khẩu", { exact: true }).fill("not-the-password");
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(page.getByRole("alert")).toHaveText("Sai email/số điện thoại hoặc mật khẩu.");
  await expect(page).toHaveURL(/\/login/);
});

test("a demo driver signs in with a phone number typed the local way", async ({ page }, testInfo) => {
  await open(page, testInfo, "/login");
  await page.getByLabel("Email hoặc số điện thoại", { exact: true }).fill("0912 345 678");
  await page.getByLabel("Mật khẩu", { exact: true }).fill("cuakhau-2026");
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(page).toHaveURL(/\/trips$/);
  await expect(page.getByRole("heading", { name: "Chuyến đi" })).toBeVisible();
  await open(page, testInfo, "/account");
  await expect(page.getByText("Hoàng Văn Thụ")).toBeVisible();
  await expect(page.getByText("Lái xe", { exact: true })).toBeVisible();
});

test("a person changes their password and their other session ends", async ({ page, browser }, testInfo) => {
  const firm = await registerFirm(page, testInfo);
  const laptop = await browser.newContext({ ...testInfo.project.use });
  const other = await laptop.newPage();
  await open(other, testInfo, "/login");
  await other.getByLabel("Email hoặc số điện thoại", { exact: true }).fill(firm.email);
  await other.getByLabel("Mật khẩu", { exact: true }).fill(PASSWORD);
  await other.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(other).toHaveURL(/\/trips$/);

  await open(page, testInfo, "/account");
  await expect(page.locator("#session-list .card")).toHaveCount(2);
  await expect(page.locator("#session-list .card.current")).toContainText("Phiên này");
  await page.getByLabel("Mật khẩu hiện tại", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Mật khẩu mới", { exact: true }).fill("12345678");
  await page.getByRole("button", { name: "Đổi mật khẩu" }).click();
  await expect(fieldError(page, "new_password")).toHaveText("Mật khẩu này nằm trong số mật khẩu hay bị lộ nhất. Vui lòng chọn mật khẩu khác.");

  await page.getByLabel("Mật khẩu hiện tại", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Mật khẩu mới", { exact: true }).fill("doi-mat-khau-2027");
  await page.getByRole("button", { name: "Đổi mật khẩu" }).click();
  await expect(page.locator("#password-changed")).toHaveText("Đã đổi mật khẩu. Đã đăng xuất 1 phiên khác.");
  await expect(page.locator("#session-list .card")).toHaveCount(1);

  await open(other, testInfo, "/account");
  await expect(other.getByRole("alert")).toContainText("Bạn cần đăng nhập.");
  await open(other, testInfo, "/login");
  await other.getByLabel("Email hoặc số điện thoại", { exact: true }).fill(firm.email);
  await other.getByLabel("Mật khẩu", { exact: true }).fill("doi-mat-khau-2027");
  await other.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(other).toHaveURL(/\/trips$/);
  await laptop.close();
});

test("an officer signs in with the second step", async ({ page }, testInfo) => {
  await open(page, testInfo, "/login");
  await page.getByLabel("Email hoặc số điện thoại", { exact: true }).fill("quarantine@huunghi-gate.example");
  await page.getByLabel("Mật khẩu", { exact: true }).fill("cuakhau-2026");
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(page).toHaveURL(/\/login\/code$/);
  await expect(page.getByRole("heading", { name: "Xác minh hai bước" })).toBeVisible();

  // The password alone opens nothing.
  await open(page, testInfo, "/console");
  await expect(page.getByRole("alert")).toContainText("Bạn cần đăng nhập.");

  await open(page, testInfo, "/login/code");
  await passSecondStep(page, testInfo);
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.getByRole("navigation", { name: "Điều hướng chính" }).getByRole("link", { name: "Bàn làm việc" })).toBeVisible();
  await open(page, testInfo, "/account");
  await expect(page.locator("#second-factor-on")).toBeVisible();
});

test("a firm admin issues a reset code and the driver sets a new password with it", async ({ page, browser }, testInfo) => {
  const firm = await registerFirm(page, testInfo);
  await fleetFor(page, firm);
  await open(page, testInfo, "/people");
  const driver = page.locator("#people-list .card", { hasText: "Hoàng Văn Thụ" });
  await driver.getByRole("button", { name: "Cấp mã đặt lại mật khẩu" }).click();
  const shown = page.locator("#people-list .card", { hasText: "Hoàng Văn Thụ" }).locator(".new-reset-code .pass-code");
  await expect(shown).toHaveText(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  const code = (await shown.textContent())!.trim();

  const phone = await browser.newContext({ ...testInfo.project.use });
  const driverPage = await phone.newPage();
  await open(driverPage, testInfo, "/login");
  await driverPage.getByRole("link", { name: "Đặt lại bằng mã của quản trị viên" }).click();
  await expect(driverPage).toHaveURL(/\/reset$/);
  await settle(driverPage, testInfo);
  await driverPage.getByLabel("Email hoặc số điện thoại của tài khoản", { exact: true }).fill(firm.phone);
  await driverPage.getByLabel("Mã đặt lại", { exact: true }).fill(code.toLowerCase());
  await driverPage.getByLabel("Mật khẩu mới", { exact: true }).fill(firm.phone);
  await driverPage.getByRole("button", { name: "Đặt mật khẩu mới" }).click();
  await expect(fieldError(driverPage, "new_password")).toHaveText("Mật khẩu không được trùng với số điện thoại.");

  await driverPage.getByLabel("Mã đặt lại", { exact: true }).fill(code);
  await driverPage.getByLabel("Mật khẩu mới", { exact: true }).fill("tai-xe-moi-2027");
  await driverPage.getByRole("button", { name: "Đặt mật khẩu mới" }).click();
  await expect(driverPage).toHaveURL(/\/trips$/);
  await open(driverPage, testInfo, "/account");
  await expect(driverPage.getByText("Hoàng Văn Thụ")).toBeVisible();
  await phone.close();
});
