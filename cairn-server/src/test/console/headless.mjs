// The frame the console's browser tests share (ConsoleBrowserTest runs them with node): a
// headless Chromium with a fresh profile, the "step:<name>" lines the Java test follows, and the
// exit codes it reads.
import { chromium } from 'playwright-core';

/** How long one step may wait for the page. */
export const STEP_TIMEOUT_MS = 10_000;

/** Tells the Java test that step `name` passed (it acts on some steps, then the script goes on). */
export const step = (name) => console.log('step:' + name);

/** Ends the run: it fails with `message`. */
export const fail = (message) => {
  throw new Error(message);
};

/**
 * Runs `run(page)` in headless Chromium with the profile in `profile`, then exits: 0 when `run`
 * returned, 1 with the reason on stderr when it threw, 2 when the whole run takes more than 60 s.
 */
export async function runInChromium(name, { executablePath, profile, height }, run) {
  const watchdog = setTimeout(() => {
    console.error(name + ': no result after 60 s');
    process.exit(2);
  }, 60_000);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1360, height },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  let exitCode = 0;
  try {
    await run(context.pages()[0] || (await context.newPage()));
  } catch (e) {
    console.error(name + ' failed: ' + (e && e.stack ? e.stack : e));
    exitCode = 1;
  } finally {
    await context.close().catch(() => {});
    clearTimeout(watchdog);
  }
  process.exit(exitCode);
}
