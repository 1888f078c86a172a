import { expect, test } from "@playwright/test";
import { open, settle } from "./support";

test("Vietnamese by default; English and Chinese one tap away, and remembered", async ({ page }, testInfo) => {
  await open(page, testInfo, "/login");
  await expect(page.getByRole("heading", { name: "Đăng nhập" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "vi");

  await page.getByRole("link", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
  await page.reload();
  await settle(page, testInfo);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByLabel("Email or phone number", { exact: true })).toBeVisible();

  await page.getByRole("link", { name: "中文" }).click();
  await expect(page.getByRole("heading", { name: "登录" })).toBeVisible();
  await open(page, testInfo, "/register");
  await expect(page.getByRole("heading", { name: "注册企业" })).toBeVisible();
  await expect(page.getByLabel("企业名称", { exact: true })).toBeVisible();

  await page.getByRole("link", { name: "Tiếng Việt" }).click();
  await expect(page.getByRole("heading", { name: "Đăng ký doanh nghiệp" })).toBeVisible();
});

test("field problems are translated too", async ({ page }, testInfo) => {
  await open(page, testInfo, "/login");
  await page.getByRole("link", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await settle(page, testInfo);
  await page.getByLabel("Email or phone number", { exact: true }).fill("not a phone");
  await page.getByLabel("Password", { exact: true }).fill("whatever-whatever");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator('.field-error[data-field="identifier"]')).toHaveText(
    "Not a valid phone number. Foreign numbers need their country code, e.g. +86.",
  );
});
