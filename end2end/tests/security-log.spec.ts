import { expect, Page, test, TestInfo } from "@playwright/test";
import { open, passSecondStep, settle } from "./support";

const DEMO_PASSWORD = "cuakhau-2026";

async function signIn(page: Page, testInfo: TestInfo, identifier: string, password: string) {
  await open(page, testInfo, "/login");
  await page.getByLabel("Email hoặc số điện thoại", { exact: true }).fill(identifier);
  await page.getByLabel("Mật khẩu", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
}

test("a platform admin reads the security log and filters it by kind", async ({ page }, testInfo) => {
  // Something to read: a sign-in name no account has.
  const stranger = `nobody-${testInfo.project.name}-${testInfo.workerIndex}@firm.example`;
  await signIn(page, testInfo, stranger, "not-the-password");
  await expect(page.getByRole("alert")).toHaveText("Sai email/số điện thoại hoặc mật khẩu.");

  await signIn(page, testInfo, "admin@portal.example", DEMO_PASSWORD);
  await passSecondStep(page, testInfo);
  await expect(page).toHaveURL(/\/gates$/);
  await settle(page, testInfo);
  await page.getByRole("navigation", { name: "Điều hướng chính" }).getByRole("link", { name: "An ninh" }).click();
  await expect(page).toHaveURL(/\/admin\/security$/);
  await settle(page, testInfo);
  await expect(page.getByRole("heading", { name: "Nhật ký an ninh" })).toBeVisible();
  const events = page.locator("#security-events > li");
  await expect(events.first()).toBeVisible();

  await page.getByLabel("Loại sự kiện", { exact: true }).selectOption({ label: "Đăng nhập thất bại" });
  await page.getByRole("button", { name: "Xem" }).click();
  await expect(page).toHaveURL(/kind=sign_in_failed/);
  await settle(page, testInfo);
  await expect(page.locator('#security-events > li[data-kind="sign_in_failed"]').first()).toContainText("Đăng nhập thất bại");
  await expect(page.locator('#security-events > li:not([data-kind="sign_in_failed"])')).toHaveCount(0);
  // The typed sign-in name is never kept.
  await expect(page.locator("#security-events")).not.toContainText(stranger);
});

test("anyone else is refused the security log", async ({ page }, testInfo) => {
  await signIn(page, testInfo, "lan@huunghi.example", DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/trips$/);
  await settle(page, testInfo);
  await expect(page.getByRole("navigation", { name: "Điều hướng chính" }).getByRole("link", { name: "An ninh" })).toHaveCount(0);
  const response = await page.goto("/admin/security");
  expect(response?.status()).toBe(403);
  await settle(page, testInfo);
  await expect(page.getByRole("alert")).toHaveText("Tài khoản của bạn không được làm việc này.");
  await expect(page.locator("#security-events")).toHaveCount(0);
});
