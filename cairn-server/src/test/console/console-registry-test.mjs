// Drives the web console, in headless Chromium, across a server replaced by a new, empty one on the
// same address, for ConsoleBrowserTest (docs/console.md, decision 0201).
//
//   node console-registry-test.mjs <chromium> <server base url> <fresh profile dir>
//
// Opens `web` (three instances), says "step:watching-registry"; the Java test then stops the server, starts
// an in-memory one on the same port and registers `fresh-1` there. The page must show that
// registry as it is: `fresh-1` alone, the revision the API answers (not the old, higher one) and
// no event of the old registry. Prints "step:<name>" lines on stdout; exits 0 when every step
// passed, 1 with the reason on stderr otherwise, and 2 when the whole run takes more than 60 s.
import { fail, runInChromium, step, STEP_TIMEOUT_MS } from './headless.mjs';

const [executablePath, base, profile] = process.argv.slice(2);

await runInChromium('console registry test', { executablePath, profile, height: 800 }, run);

async function run(page) {
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));

  await page.goto(base + '/ui/#/default/web');
  await page.locator('#instances tr[data-instance="web-3"]').waitFor();
  await page.locator('#timeline li[data-event="registered web/web-3"]').waitFor();
  const old = await page.evaluate(() => state.revision);
  step('watching-registry');

  // The new registry: fresh-1 only, at its own revision.
  await page.locator('#instances tr[data-instance="fresh-1"]').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#instances tbody tr').length === 1);
  const revision = await page.evaluate(async () =>
    (await (await fetch('/v1/services/web/instances')).json()).revision);
  if (revision >= old) fail('the new registry is not behind the old one: ' + revision + ' >= ' + old);
  await page.locator('#revision').filter({ hasText: new RegExp('^revision ' + revision + '$') }).waitFor();
  await page.locator('#timeline li[data-event="registered web/fresh-1"]').waitFor();
  const stale = await page.$$eval('#timeline li', (items, r) =>
    items.filter((li) => Number(li.dataset.revision) > r).map((li) => li.dataset.event), revision);
  if (stale.length) fail('the timeline keeps the old registry\'s events: ' + stale.join(', '));
  step('afresh');
  if (problems.length) fail(problems.join('\n'));
}
