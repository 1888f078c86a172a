import { expect, Page, TestInfo } from "@playwright/test";
import { createHmac } from "node:crypto";

/** Whether this project runs with JavaScript (hydrated) or without (plain forms). */
export function hydrated(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** Opens a page; when JavaScript is on, waits until the WebAssembly has taken over. */
export async function open(page: Page, testInfo: TestInfo, path: string) {
  await page.goto(path);
  await settle(page, testInfo);
}

/** After a navigation, waits for hydration when JavaScript is on. */
export async function settle(page: Page, testInfo: TestInfo) {
  if (hydrated(testInfo)) {
    await page.locator("body[data-hydrated]").waitFor();
  }
}

let counter = 0;

/**
 * Identifiers unique within one test run (the run starts with a fresh database): each
 * worker has its own index, each call its own number.
 */
export function unique(testInfo: TestInfo) {
  counter += 1;
  const worker = testInfo.workerIndex % 80;
  const serial = String(counter).padStart(4, "0");
  const province = 20 + worker;
  return {
    taxCode: `49${String(worker).padStart(2, "0")}${String(counter).padStart(6, "0")}`,
    email: `admin-${worker}-${counter}@firm.example`,
    phone: `09${String(worker).padStart(2, "0")}${String(counter).padStart(6, "0")}`,
    // Typed loosely, as a clerk might: lower case, spaces, no dot.
    plateTyped: `${province}c ${serial.slice(0, 3)} ${serial.slice(3)}0`,
    plateCanonical: `${province}C-${serial.slice(0, 3)}.${serial.slice(3)}0`,
    trailerCanonical: `${province}R-${serial.slice(0, 3)}.${serial.slice(3)}0`,
  };
}

export const PASSWORD = "mat-khau-2026";

/** Registers a new firm from the registration page; the admin is then signed in. */
export async function registerFirm(page: Page, testInfo: TestInfo) {
  const ids = unique(testInfo);
  await open(page, testInfo, "/register");
  await page.getByLabel("Tên doanh nghiệp", { exact: true }).fill(`Công ty Vận tải ${ids.taxCode}`);
  await page.getByLabel("Mã số thuế", { exact: true }).fill(ids.taxCode);
  await page.getByLabel("Địa chỉ", { exact: true }).fill("Km 3, Đồng Đăng, Cao Lộc, Lạng Sơn");
  await page.getByLabel("Điện thoại doanh nghiệp", { exact: true }).fill("0205 3851 234");
  await page.getByLabel("Họ và tên", { exact: true }).fill("Nguyễn Thị Lan");
  await page.getByLabel("Email", { exact: true }).fill(ids.email);
  await page.getByLabel("Mật khẩu", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Đăng ký" }).click();
  await expect(page).toHaveURL(/\/trips$/);
  await settle(page, testInfo);
  return ids;
}

/** The problem shown under a field. */
export function fieldError(page: Page, field: string) {
  return page.locator(`.field-error[data-field="${field}"]`);
}

/** A vehicle and a driver (the firm's phone number) for the signed-in firm admin, through the API the pages use. */
export async function fleetFor(page: Page, firm: { plateTyped: string; phone: string }) {
  const vehicle = await page.request.post("/api/add_vehicle", {
    form: { plate: firm.plateTyped, trailer_plate: "", kind: "truck", axles: "3", gross_weight_kg: "24000", country: "VN" },
  });
  expect(vehicle.status()).toBe(200);
  const driver = await page.request.post("/api/add_person", {
    form: { role: "driver", full_name: "Hoàng Văn Thụ", email: "", phone: firm.phone, id_number: "020190001234", password: PASSWORD },
  });
  expect(driver.status()).toBe(200);
}

/** Declares a trip from the trip form (no containers); returns the trip page's path. */
export async function declareTrip(
  page: Page,
  testInfo: TestInfo,
  trip: { plate: string; direction: string; gate: string; day: string; cargo: string; hs: string; weight: string; packages: string },
): Promise<string> {
  await open(page, testInfo, "/trips/new");
  await page.getByLabel("Xe", { exact: true }).selectOption({ label: trip.plate });
  await page.getByLabel("Lái xe", { exact: true }).selectOption({ index: 1 });
  await page.getByLabel("Chiều đi", { exact: true }).selectOption(trip.direction);
  await page.getByLabel("Cửa khẩu", { exact: true }).selectOption(trip.gate);
  await page.getByLabel("Ngày dự kiến qua", { exact: true }).fill(trip.day);
  await page.getByLabel("Mô tả hàng hóa", { exact: true }).fill(trip.cargo);
  await page.getByLabel("Mã HS", { exact: true }).fill(trip.hs);
  await page.getByLabel("Trọng lượng hàng (kg)", { exact: true }).fill(trip.weight);
  await page.getByLabel("Số kiện", { exact: true }).fill(trip.packages);
  await page.getByLabel("Số tờ khai hải quan", { exact: true }).fill("105523456789");
  await page.getByRole("button", { name: "Khai báo" }).click();
  await expect(page).toHaveURL(/\/trips\/[0-9a-f-]+\?declared=1$/);
  return new URL(page.url()).pathname;
}

/** Two days ahead at the gate (UTC+7): clear of the day other tests book. */
export function dayAfterTomorrowAtGate(): string {
  return new Date(Date.now() + (7 + 48) * 3600_000).toISOString().slice(0, 10);
}

/**
 * The authenticator secret (Base32) of the demo's officers and admins (see the README).
 * Demo only: real accounts set up their own.
 */
export const DEMO_TOTP_SECRET = "DEMOLANGSONBORDERGATETOTPSECRET2";

function base32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const character of text.replace(/[\s=]/g, "").toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(character);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** The authenticator's code (RFC 6238: HMAC-SHA-1, 6 digits) of `step` (Unix seconds / 30). */
export function totp(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hash = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = hash[hash.length - 1] & 0x0f;
  return String((hash.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/**
 * The second step of signing in, on `/login/code`, with the authenticator's current code.
 * A code counts once per account, and tests on other devices may sign the same demo
 * officer in at the same moment: when the current code was used, the next step's is
 * typed (the server accepts one step either side), and failing that, the one after the
 * clock moves on.
 */
export async function passSecondStep(page: Page, testInfo: TestInfo, secret = DEMO_TOTP_SECRET) {
  await expect(page).toHaveURL(/\/login\/code$/);
  await settle(page, testInfo);
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt === 2) {
      const wait = 30_000 - (Date.now() % 30_000) + 500;
      testInfo.setTimeout(testInfo.timeout + wait + 10_000);
      await page.waitForTimeout(wait);
    }
    const step = Math.floor(Date.now() / 30_000) + (attempt % 2);
    await page.getByLabel("Mã xác thực", { exact: true }).fill(totp(secret, step));
    const [response] = await Promise.all([
      page.waitForResponse((response) => response.url().includes("/api/verify_second_factor")),
      page.getByRole("button", { name: "Xác minh", exact: true }).click(),
    ]);
    const location = response.headers()["location"] ?? "";
    const passed = hydrated(testInfo) ? response.status() === 200 : !location.includes("/login/code");
    if (passed) {
      await expect(page).not.toHaveURL(/\/login\/code/);
      await settle(page, testInfo);
      return;
    }
    if (!hydrated(testInfo)) {
      await page.waitForLoadState();
      await settle(page, testInfo);
    }
  }
  throw new Error("the second step was refused four times");
}
