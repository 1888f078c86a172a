import { expect, test } from "@playwright/test";
import { open, PASSWORD, registerFirm, settle } from "./support";

test("an admin adds a driver, who then signs in with the phone number", async ({ page, browser }, testInfo) => {
  const firm = await registerFirm(page, testInfo);
  await page.getByRole("navigation", { name: "Điều hướng chính" }).getByRole("link", { name: "Nhân sự" }).click();
  await expect(page).toHaveURL(/\/people$/);
  await settle(page, testInfo);
  await page.getByLabel("Vai trò", { exact: true }).selectOption("driver");
  await page.getByLabel("Họ và tên", { exact: true }).fill("Hoàng Văn Thụ");
  await page.getByLabel("Số điện thoại (lái xe đăng nhập bằng số này)", { exact: true }).fill(firm.phone);
  await page.getByLabel("Số CCCD hoặc hộ chiếu (bắt buộc với lái xe)", { exact: true }).fill("020 190 001 234");
  await page.getByLabel("Mật khẩu ban đầu", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Thêm", exact: true }).click();
  const driver = page.locator("#people-list .card", { hasText: "Hoàng Văn Thụ" });
  await expect(driver).toContainText("Lái xe");
  await expect(driver).toContainText("+84" + firm.phone.slice(1));

  const phone = await browser.newContext({ ...testInfo.project.use });
  const driverPage = await phone.newPage();
  await open(driverPage, testInfo, "/login");
  await driverPage.getByLabel("Email hoặc số điện thoại", { exact: true }).fill(firm.phone);
  await driverPage.getByLabel("Mật khẩu", { exact: true }).fill(PASSWORD);
  await driverPage.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(driverPage).toHaveURL(/\/trips$/);
  await open(driverPage, testInfo, "/account");
  await expect(driverPage.getByText("Hoàng Văn Thụ")).toBeVisible();
  await phone.close();
});

test("a driver without identity papers is refused", async ({ page }, testInfo) => {
  await registerFirm(page, testInfo);
  await open(page, testInfo, "/people");
  await page.getByLabel("Vai trò", { exact: true }).selectOption("driver");
  await page.getByLabel("Họ và tên", { exact: true }).fill("Nông Văn Dũng");
  await page.getByLabel("Mật khẩu ban đầu", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Thêm", exact: true }).click();
  await expect(page.locator('.field-error[data-field="phone"]')).toHaveText("Vui lòng nhập mục này.");
  await expect(page.locator('.field-error[data-field="id_number"]')).toHaveText("Vui lòng nhập mục này.");
});
