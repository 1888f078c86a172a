import { expect, test } from "@playwright/test";
import { dayAfterTomorrowAtGate, declareTrip, fleetFor, hydrated, open, PASSWORD, registerFirm, settle } from "./support";


// Push and offline copies need the browser's script: the service worker and the Push
// API do not exist without JavaScript.
test("a driver turns notifications on, gets a push, and opens the gate pass offline", async ({ page, context }, testInfo) => {
  test.skip(!hydrated(testInfo), "web push and offline copies need JavaScript");
  test.setTimeout(180_000);
  const baseURL = testInfo.project.use.baseURL!;

  // A firm books a trip for its driver.
  const firm = await registerFirm(page, testInfo);
  await fleetFor(page, firm);
  const tripPath = await declareTrip(page, testInfo, {
    plate: firm.plateCanonical,
    direction: "import",
    gate: "thanh-thuy",
    day: dayAfterTomorrowAtGate(),
    cargo: "Linh kiện điện tử",
    hs: "8542.31",
    weight: "8000",
    packages: "120",
  });
  await open(page, testInfo, `${tripPath}/book`);
  await page.locator("#slot-list li.slot").nth(12 + testInfo.parallelIndex).getByRole("button", { name: "Đặt" }).click();
  await expect(page).toHaveURL(/\?booked=1$/);

  // The driver signs in on the phone, notifications allowed.
  await context.clearCookies();
  await context.grantPermissions(["notifications"], { origin: baseURL });
  // Chromium here cannot reach its push service (FCM), and refuses the Push API in
  // Playwright's private contexts: the one browser part stood in for is the push
  // service's subscribe, which answers with a real P-256 key and secret, as FCM would.
  await page.addInitScript(() => {
    const encode = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    let current: unknown = null;
    PushManager.prototype.getSubscription = async () => current as PushSubscription | null;
    PushManager.prototype.subscribe = async function () {
      const keys = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
      const auth = crypto.getRandomValues(new Uint8Array(16));
      const json = { endpoint: `https://push.invalid/e2e/${crypto.randomUUID()}`, keys: { p256dh: encode(raw), auth: encode(auth) } };
      current = { endpoint: json.endpoint, toJSON: () => json };
      return current as PushSubscription;
    };
  });
  await open(page, testInfo, "/login");
  await page.getByLabel("Email hoặc số điện thoại", { exact: true }).fill(firm.phone);
  await page.getByLabel("Mật khẩu", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(page).toHaveURL(/\/trips$/);
  await open(page, testInfo, "/account");
  await expect(page.locator("#push-none")).toBeVisible();
  await page.getByRole("button", { name: "Bật thông báo trên thiết bị này" }).click();
  const device = page.locator("#push-devices li").first();
  await expect(device).toBeVisible();
  await settle(page, testInfo);
  await expect(device.getByLabel("Được gọi vào làn")).toBeChecked();
  await device.getByLabel("Đặt, đổi, hủy khung giờ").uncheck();
  await device.getByRole("button", { name: "Lưu lựa chọn" }).click();
  await expect(page).toHaveURL(/\/account\?push=saved$/);
  await expect(page.locator("#push-saved")).toHaveText("Đã lưu lựa chọn thông báo.");
  await page.reload();
  await settle(page, testInfo);
  await expect(page.locator("#push-devices li").first().getByLabel("Đặt, đổi, hủy khung giờ")).not.toBeChecked();
  await expect(page.locator("#push-devices li").first().getByLabel("Thông quan")).toBeChecked();

  // A push reaches the service worker (through the DevTools protocol) and is shown.
  await page.evaluate(() => navigator.serviceWorker.ready);
  const cdp = await context.newCDPSession(page);
  const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => registrations.push(...event.registrations));
  await cdp.send("ServiceWorker.enable");
  await expect.poll(() => registrations.filter((registration) => !registration.isDeleted).length).toBeGreaterThan(0);
  const registrationId = registrations.find((registration) => !registration.isDeleted)!.registrationId;
  const deliver = () =>
    cdp.send("ServiceWorker.deliverPushMessage", {
      origin: baseURL,
      registrationId,
      data: JSON.stringify({ title: `Chuyến ${firm.plateCanonical}`, body: "Vào làn 3.", url: tripPath, tag: "trip", kind: "called_forward", language: "vi" }),
    });
  await deliver();
  // A worker still starting can miss a message, as a phone's can: the push service
  // delivers it again (same tag: it replaces, never doubles, what is shown).
  const shown = async () => {
    const now = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return (await registration.getNotifications()).map((notification) => `${notification.title} | ${notification.body} | ${notification.data.url}`);
    });
    if (now.length === 0) await deliver();
    return now;
  };
  await expect.poll(shown, { timeout: 30_000 }).toEqual([`Chuyến ${firm.plateCanonical} | Vào làn 3. | ${tripPath}`]);

  // The trip list hands the upcoming trip's page and pass to the service worker...
  await open(page, testInfo, "/trips");
  await expect(page.locator(`#trip-list li[data-offline]`)).toHaveCount(1);
  await expect
    .poll(() => page.evaluate(async (path) => Boolean(await caches.match(`${path}/pass`)), tripPath))
    .toBe(true);

  // ...so that with no network at all, both still open, saying how old they are.
  await context.setOffline(true);
  await page.goto(`${tripPath}/pass`);
  await expect(page.locator(".pass-plate")).toHaveText(firm.plateCanonical);
  await expect(page.locator(".qr svg")).toBeVisible();
  await expect(page.locator("#as-of")).toContainText("Cập nhật lúc");
  await expect(page.locator("#offline-banner")).toBeVisible();
  await page.goto(tripPath);
  await expect(page.locator("#timeline")).toContainText("Đặt khung giờ");
  await expect(page.locator("#as-of")).toContainText("Cập nhật lúc");
  await context.setOffline(false);

  // Signing out forgets the saved copies: whoever uses the phone next sees none of them.
  await open(page, testInfo, "/trips");
  await page.getByRole("button", { name: "Đăng xuất" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect
    .poll(() => page.evaluate(async (path) => Boolean(await caches.match(path)), tripPath))
    .toBe(false);
  await context.setOffline(true);
  await page.goto(`${tripPath}/pass`);
  await expect(page.locator("body")).toContainText("No network.");
  await expect(page.locator(".pass-plate")).toHaveCount(0);
  await context.setOffline(false);
});

// A phone changes hands: the saved copies of one account are never shown to another,
// nor once their session is over.
test("a shared phone never shows the last user's saved pages offline", async ({ page, context }, testInfo) => {
  test.skip(!hydrated(testInfo), "offline copies need the service worker, which needs JavaScript");
  test.setTimeout(180_000);

  // Another firm's admin, who will borrow the phone.
  const other = await registerFirm(page, testInfo);
  await context.clearCookies();

  // A firm books a trip for its driver, who signs in on the phone.
  const firm = await registerFirm(page, testInfo);
  await fleetFor(page, firm);
  const tripPath = await declareTrip(page, testInfo, {
    plate: firm.plateCanonical,
    direction: "import",
    gate: "thanh-thuy",
    day: dayAfterTomorrowAtGate(),
    cargo: "Linh kiện điện tử",
    hs: "8542.31",
    weight: "8000",
    packages: "120",
  });
  await open(page, testInfo, `${tripPath}/book`);
  await page.locator("#slot-list li.slot").nth(16 + testInfo.parallelIndex).getByRole("button", { name: "Đặt" }).click();
  await expect(page).toHaveURL(/\?booked=1$/);
  await context.clearCookies();
  const signIn = async (identifier: string) => {
    await open(page, testInfo, "/login");
    await page.getByLabel("Email hoặc số điện thoại", { exact: true }).fill(identifier);
    await page.getByLabel("Mật khẩu", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    await expect(page).toHaveURL(/\/trips$/);
  };
  const passKept = () => page.evaluate(async (path) => Boolean(await caches.match(`${path}/pass`)), tripPath);
  const keepTheDriversPages = async () => {
    await open(page, testInfo, "/trips");
    await expect(page.locator("#trip-list li[data-offline]")).toHaveCount(1);
    await expect.poll(passKept).toBe(true);
  };
  const offlineShowsNoneOfTheDriversPages = async () => {
    await context.setOffline(true);
    for (const path of [`${tripPath}/pass`, tripPath, "/trips"]) {
      await page.goto(path);
      await expect(page.locator("body")).toContainText("No network.");
      await expect(page.locator("body")).not.toContainText(firm.plateCanonical);
    }
    await context.setOffline(false);
  };
  await signIn(firm.phone);
  await keepTheDriversPages();

  // The driver's session ends (time passes: the saved copies' session end is moved into
  // the past, as the clock would): offline, they are not shown.
  await page.evaluate(async () => {
    const past = String(Math.floor(Date.now() / 1000) - 60);
    for (const name of await caches.keys()) {
      if (!name.startsWith("pages-")) continue;
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const response = (await cache.match(request))!;
        const headers = new Headers(response.headers);
        headers.set("x-session-expires", past);
        await cache.put(request, new Response(await response.blob(), { status: response.status, headers }));
      }
    }
  });
  await offlineShowsNoneOfTheDriversPages();

  // Back online, the driver's list keeps them again; then the other firm's admin signs
  // in on the same phone, without the driver signing out.
  await keepTheDriversPages();
  await signIn(other.email);
  await offlineShowsNoneOfTheDriversPages();
  expect(await passKept()).toBe(false);
});
