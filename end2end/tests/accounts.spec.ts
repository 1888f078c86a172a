import { expect, test } from "@playwright/test";
import { fieldError, hydrated, open, PASSWORD, registerFirm, settle, unique } from "./support";

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
