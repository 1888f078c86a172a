import { Browser, BrowserContext, expect, Page, test, TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { dayAfterTomorrowAtGate, declareTrip, fleetFor, hydrated, open, passSecondStep, PASSWORD, registerFirm, settle } from "./support";


/**
 * Each project works its own gate and direction, so that runs in parallel never share
 * a yard (calling "the next truck" forward must find this test's truck).
 */
function postOf(testInfo: TestInfo): { gate: string; gateName: string; direction: string; second: number } {
  const posts: Record<string, { gate: string; gateName: string; direction: string; second: number }> = {
    "phone-no-js": { gate: "tan-thanh", gateName: "Tân Thanh", direction: "export", second: 11 },
    "phone-js": { gate: "tan-thanh", gateName: "Tân Thanh", direction: "import", second: 13 },
    "desktop-no-js": { gate: "huu-nghi", gateName: "Hữu Nghị", direction: "import", second: 17 },
    "desktop-js": { gate: "huu-nghi", gateName: "Hữu Nghị", direction: "export", second: 19 },
  };
  return posts[testInfo.project.name];
}

/**
 * The one step the browser cannot take: a truck cannot arrive two days early, so the
 * booked slot is moved (in the test's own database) to start ten minutes from now,
 * which opens its arrival window. Everything else goes through the pages.
 */
function slotStartsSoon(tripId: string, second: number) {
  expect(tripId).toMatch(/^[0-9a-f-]{36}$/);
  const url = process.env.E2E_DATABASE_URL;
  expect(url, "scripts/test.sh passes E2E_DATABASE_URL").toBeTruthy();
  const start = `date_trunc('minute', now()) + interval '10 minutes' + interval '${second} seconds'`;
  const sql = `update slots set starts_at = ${start}, ends_at = ${start} + interval '1 hour',
                 local_day = ((${start}) at time zone 'Asia/Ho_Chi_Minh')::date
               where id = (select slot_id from bookings where trip_id = '${tripId}' and status = 'active')`;
  const out = execFileSync("psql", [url!, "-v", "ON_ERROR_STOP=1", "-qtAc", sql + " returning id"], { encoding: "utf8" });
  expect(out.trim()).toMatch(/^\d+$/);
}

/** Gate staff (an officer unless said) signed in on a tablet (landscape 1024x768), with or without JavaScript as the project. */
async function officer(browser: Browser, testInfo: TestInfo, email: string, lands = /\/console$/): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    locale: "vi-VN",
    viewport: { width: 1024, height: 768 },
    hasTouch: true,
    javaScriptEnabled: hydrated(testInfo),
  });
  const page = await context.newPage();
  await open(page, testInfo, "/login");
  await page.getByLabel("Email hoặc số điện thoại", { exact: true }).fill(email);
  await page.getByLabel("Mật khẩu", { exact: true }).fill("cuakhau-2026");
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await passSecondStep(page, testInfo);
  await expect(page).toHaveURL(lands);
  await settle(page, testInfo);
  return [context, page];
}

/**
 * The driver's phone shows `text` in `locator`: live, without reloading, when the page
 * is hydrated; after a reload (as a person would pull to refresh) without JavaScript.
 */
async function driverSees(phone: Page, testInfo: TestInfo, selector: string, text: string | RegExp) {
  if (hydrated(testInfo)) {
    await expect(phone.locator(selector)).toContainText(text);
  } else {
    await expect(async () => {
      await phone.reload();
      await expect(phone.locator(selector)).toContainText(text, { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
  }
}

test("a truck is checked in, called forward, held, and cleared, and the driver's phone follows", async ({ page, browser }, testInfo) => {
  test.setTimeout(240_000);
  const post = postOf(testInfo);
  const consoleUrl = `/console/${post.gate}?direction=${post.direction}`;

  // The firm: a vehicle, its driver, a trip declared and booked through the pages.
  const firm = await registerFirm(page, testInfo);
  await fleetFor(page, firm);
  const tripUrl = await declareTrip(page, testInfo, {
    plate: firm.plateCanonical,
    direction: post.direction,
    gate: post.gate,
    day: dayAfterTomorrowAtGate(),
    cargo: "Vải thiều",
    hs: "0810.90.10",
    weight: "15000",
    packages: "900",
  });
  const tripId = tripUrl.split("/").pop()!;
  await open(page, testInfo, `${tripUrl}/book`);
  await page.locator("#slot-list li.slot").nth(10).getByRole("button", { name: "Đặt" }).click();
  await expect(page).toHaveURL(/\?booked=1$/);
  const passCode = (await page.locator("#booking .pass-code").textContent())!.trim();
  slotStartsSoon(tripId, post.second);

  // The driver follows the trip on the phone.
  await page.context().clearCookies();
  await open(page, testInfo, "/login");
  await page.getByLabel("Email hoặc số điện thoại", { exact: true }).fill(firm.phone);
  await page.getByLabel("Mật khẩu", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(page).toHaveURL(/\/trips$/);
  await open(page, testInfo, `${tripUrl}`);
  await expect(page.locator("#trip-status")).toHaveText("Đã đặt chỗ");
  await expect(page.locator("#next-step")).toContainText("Đến bãi chờ từ");

  // Traffic police at the yard: check in by the pass code typed (no camera here).
  const [policeContext, police] = await officer(browser, testInfo, "traffic@huunghi-gate.example");
  await open(police, testInfo, consoleUrl);
  await expect(police.getByRole("heading", { level: 1 })).toHaveText(new RegExp(post.gateName));
  await police.getByLabel("Mã thông hành hoặc mã QR", { exact: true }).fill(passCode.toLowerCase());
  await police.getByRole("button", { name: "Nhận vào bãi" }).click();
  const inYard = police.locator(`#yard li[data-trip="${tripId}"]`);
  await expect(inYard).toContainText(firm.plateCanonical);
  await driverSees(page, testInfo, "#trip-status", "Đã đến bãi chờ");
  await expect(page.locator("#next-step")).toContainText("chờ được gọi vào làn");

  // A pass typed wrong is refused at its field, and raised for the officers.
  await police.getByLabel("Mã thông hành hoặc mã QR", { exact: true }).fill("ZZZZ-ZZZZ");
  await police.getByRole("button", { name: "Nhận vào bãi" }).click();
  await expect(police.locator('.field-error[data-field="pass"]')).not.toBeEmpty();
  // The console reloads its figures after every action and live event: the alert shows
  // once that reload is in, so the next form is not redrawn while it is being filled.
  await expect(police.locator("#alerts")).toContainText("Giấy thông hành không có chỗ đặt");

  // Called forward to lane 3: the phone says where to go.
  await settle(police, testInfo);
  await police.getByLabel("Số xe gọi", { exact: true }).fill("1");
  await police.getByLabel("Làn", { exact: true }).fill("3");
  await police.getByRole("button", { name: "Gọi vào làn" }).click();
  await expect(police.locator(`#lanes li[data-trip="${tripId}"]`)).toContainText("Làn 3");
  await driverSees(page, testInfo, "#next-step", "Vào làn 3.");
  await expect(page.locator("#trip-status")).toHaveText("Được gọi vào làn");
  await policeContext.close();

  // Customs: green channel, cleared in one tap.
  const [customsContext, customs] = await officer(browser, testInfo, "customs@huunghi-gate.example");
  await open(customs, testInfo, consoleUrl);
  const atCustoms = customs.locator(`#lanes li[data-trip="${tripId}"]`);
  await atCustoms.getByRole("button", { name: "Luồng xanh · thông quan" }).click();
  await expect(customs.locator(`#lanes li[data-trip="${tripId}"] [data-agency="customs"]`)).toContainText("Đã thông quan");
  await driverSees(page, testInfo, '#agencies [data-agency="customs"]', "Đã thông quan");
  await expect(page.locator("#next-step")).toContainText("chờ Biên phòng");
  await customsContext.close();

  // Border guard: holds for the driver's papers, with a note; the phone says why.
  const [guardContext, guard] = await officer(browser, testInfo, "border@huunghi-gate.example");
  await open(guard, testInfo, consoleUrl);
  const atGuard = guard.locator(`#lanes li[data-trip="${tripId}"]`);
  await atGuard.locator("summary", { hasText: "Tạm giữ" }).click();
  await atGuard.getByLabel("Lý do tạm giữ").selectOption("driver_papers");
  await atGuard.getByLabel("Ghi chú").fill("Giấy phép lái xe hết hạn");
  await atGuard.getByRole("button", { name: "Tạm giữ" }).click();
  await expect(guard.locator(`#lanes li[data-trip="${tripId}"]`)).toHaveAttribute("data-status", "held");
  await driverSees(page, testInfo, "#next-step", "Giấy tờ lái xe — Giấy phép lái xe hết hạn");
  await expect(page.locator("#trip-status")).toHaveText("Tạm giữ");

  // Papers sorted: released back to inspection, then cleared; the truck may cross.
  await settle(guard, testInfo);
  await guard.locator(`#lanes li[data-trip="${tripId}"]`).getByRole("button", { name: "Cho tiếp tục kiểm tra" }).click();
  await expect(guard.locator(`#lanes li[data-trip="${tripId}"]`)).toHaveAttribute("data-status", "inspection");
  await settle(guard, testInfo);
  await guard.locator(`#lanes li[data-trip="${tripId}"]`).getByRole("button", { name: "Thông quan", exact: true }).click();
  await expect(guard.locator(`#cleared li[data-trip="${tripId}"]`)).toBeVisible();
  await driverSees(page, testInfo, "#trip-status", "Đã thông quan");
  await expect(page.locator("#next-step")).toContainText("Đã thông quan: qua cửa khẩu.");
  await expect(page.locator("#timeline")).toContainText("Tạm giữ");

  // The gate's dashboard counts the day, in charts drawn on the server.
  await open(guard, testInfo, `/console/${post.gate}/dashboard`);
  await expect(guard.locator("#chart-arrivals svg")).toBeVisible();
  await expect(guard.locator("#chart-throughput rect[data-value]").first()).toBeAttached();
  await guardContext.close();

  // The firm's overview of today lists the trip with its status.
  await open(page, testInfo, "/trips?day=today");
  await expect(page.locator(`#trip-list li[data-trip="${tripId}"]`)).toContainText("Đã thông quan");
});

test("an officer sees only the gates they are posted at", async ({ browser }, testInfo) => {
  const [context, customs] = await officer(browser, testInfo, "customs@huunghi-gate.example");
  await expect(customs.locator("#posts")).toContainText("Hữu Nghị");
  await expect(customs.locator("#posts")).not.toContainText("Thanh Thủy");
  const refused = await customs.request.post("/api/get_console", { form: { gate_id: "thanh-thuy", direction: "export" } });
  expect(refused.status()).toBe(403);
  await context.close();
});

test("a gate admin issues a device key, sees it once, and revokes it", async ({ browser }, testInfo) => {
  const [context, admin] = await officer(browser, testInfo, "gate@huunghi-gate.example", /\/gates$/);
  await open(admin, testInfo, "/gates/thanh-thuy");
  const name = `Camera ANPR ${testInfo.project.name}`;
  await admin.getByLabel("Tên thiết bị", { exact: true }).fill(name);
  await admin.getByLabel("Vị trí", { exact: true }).selectOption("exit");
  await admin.getByRole("button", { name: "Cấp khóa thiết bị" }).click();
  const key = admin.locator("#new-device-key code");
  await expect(key).toHaveText(/^gd_[A-Za-z0-9_-]{20,}$/);
  const device = admin.locator("#device-list li", { hasText: name });
  await expect(device).toContainText("Lối ra (qua cửa khẩu)");

  // The key works on the machine API until it is revoked.
  const issued = (await key.textContent())!;
  const read = (auth: string) =>
    admin.request.post("/devices/v1/plate-reads", {
      headers: { authorization: `Bearer ${auth}` },
      data: { plate: "12C-999.99" },
    });
  expect((await read(issued)).status()).toBe(422);
  await open(admin, testInfo, "/gates/thanh-thuy");
  await expect(admin.locator("#new-device-key")).toHaveCount(0);
  await admin.locator("#device-list li", { hasText: name }).getByRole("button", { name: "Thu hồi" }).click();
  await expect(admin.locator("#device-list li", { hasText: name })).toContainText("Đã thu hồi");
  expect((await read(issued)).status()).toBe(401);
  await context.close();
});
