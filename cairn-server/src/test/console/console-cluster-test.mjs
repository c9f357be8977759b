// Drives the web console of a cluster member, in headless Chromium, for ConsoleBrowserTest
// (docs/console.md).
//
//   node console-cluster-test.mjs <chromium> <member base url> <fresh profile dir>
//
// Waits for the header to name the member and for the members table to list the three members,
// says "step:members", then (the Java test stops that member) for the header to say it cannot
// reach the member and for the table to be marked as the member last saw it. Prints "step:<name>"
// lines on stdout; exits 0 when every step passed, 1 with the reason on stderr otherwise, and 2
// when the whole run takes more than 60 s.
import { fail, runInChromium, step, STEP_TIMEOUT_MS } from './headless.mjs';

const [executablePath, base, profile] = process.argv.slice(2);

await runInChromium('console cluster test', { executablePath, profile, height: 800 }, run);

async function run(page) {
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));

  await page.goto(base + '/');
  await page.locator('#cluster').filter({ hasText: 'leader n' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#members tbody tr').length === 3);
  const node = (await page.locator('#cluster').innerText()).split(' ')[1];
  if (await page.locator('#members-pane.stale').count()) fail('the members table is stale at once');
  step('members');

  // The Java test stops this member: the page must not go on presenting what it last read as now.
  await page.locator('#cluster').filter({ hasText: 'node ' + node + ' \u00b7 cannot reach this member' })
    .waitFor();
  await page.locator('#members-pane.stale').waitFor();
  await page.locator('#members-note').filter({ hasText: 'as this member last saw them' }).waitFor();
  if (!(await page.locator('#cluster.bad').count())) fail('the unreachable member is not marked');
  step('unreachable');
  if (problems.length) fail(problems.join('\n'));
}
