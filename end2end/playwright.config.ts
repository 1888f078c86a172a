import { defineConfig, devices } from "@playwright/test";
import path from "node:path";

// The portal under test: the real server binary against a real PostgreSQL database
// (scripts/test.sh makes a fresh one and passes E2E_DATABASE_URL), with demo data.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const root = path.resolve(__dirname, "..");

// Debian's Chromium; Playwright downloads no browser here. The flags keep it from
// reaching for Google's services, which this machine's network refuses.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
};

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: { baseURL, trace: "retain-on-failure", locale: "vi-VN" },
  webServer: {
    command: process.env.E2E_SERVER ?? path.join(root, "target/debug/server"),
    cwd: root,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? "",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.E2E_SITE_ROOT ?? path.join(root, "target/site"),
      DEMO_DATA: "1",
      // The push service the offline test's browser stands in for (tests/offline.spec.ts):
      // the only origin besides the real push services the server may post to.
      PUSH_TEST_ORIGINS: process.env.E2E_PUSH_TEST_ORIGINS ?? "https://push.invalid",
      RUST_LOG: "warn",
      // Every browser of the run comes from 127.0.0.1, which a real office never does:
      // the limits per client address are raised so that they count but never refuse.
      REGISTRATIONS_PER_HOUR: process.env.E2E_REGISTRATIONS_PER_HOUR ?? "100000",
      BOOKING_CHANGES_PER_ADDRESS: process.env.E2E_BOOKING_CHANGES_PER_ADDRESS ?? "100000",
    },
  },
  // Every flow runs on a phone first and on a desktop, each once with JavaScript off
  // (plain server-rendered forms) and once hydrated.
  projects: [
    { name: "phone-no-js", use: { ...devices["Pixel 7"], javaScriptEnabled: false, launchOptions } },
    { name: "phone-js", use: { ...devices["Pixel 7"], launchOptions } },
    { name: "desktop-no-js", use: { ...devices["Desktop Chrome"], javaScriptEnabled: false, launchOptions } },
    { name: "desktop-js", use: { ...devices["Desktop Chrome"], launchOptions } },
  ],
});
