// Drives the web console of a server with ACLs on, in headless Chromium, for ConsoleBrowserTest
// (docs/console.md, decision 0172).
//
//   node console-acl-test.mjs <chromium> <server base url> <fresh profile dir> <read-only token>
//     <writer token>
//
// The read-only token may read the services whose names start with "web" and nothing else; the
// writer token may write them too, until the test deletes its write policy, then the token. Prints
// "step:<name>" lines on stdout; exits 0 when every step passed, 1 with the reason on stderr
// otherwise, and 2 when the whole run takes more than 60 s.
import { fail, runInChromium, step, STEP_TIMEOUT_MS } from './headless.mjs';

const [executablePath, base, profile, readOnly, writer] = process.argv.slice(2);

await runInChromium('console ACL test', { executablePath, profile, height: 600 }, run);

async function run(page) {
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  const tokens = new Set(); // what each request sent as its token
  const requests = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (!url.pathname.startsWith('/v1/')) return;
    requests.push(url.pathname);
    tokens.add(r.headers()['x-cairn-token'] || '');
    if (r.headers()['cookie']) problems.push('a request carried a cookie: ' + url.pathname);
  });

  // ACLs on, no token: the console asks for one and shows nothing else.
  await page.goto(base + '/');
  await page.locator('#login').waitFor();
  await page.locator('#token').waitFor();
  if (await page.locator('#main').isVisible()) fail('the console shows its panes without a token');
  if ((await page.locator('#services tbody tr').count()) !== 0) fail('services shown without a token');
  if (requests.some((p) => p.startsWith('/v1/watch') || p === '/v1/services')) {
    fail('the console read the catalog without a token: ' + requests.join(', '));
  }
  step('asked');

  // An unknown token is refused and the form stays.
  await page.fill('#token', 'not-a-token');
  await page.press('#token', 'Enter');
  await page.locator('#login-error').filter({ hasText: 'unknown token' }).waitFor();
  if (await page.locator('#main').isVisible()) fail('the console opened with an unknown token');
  step('unknown');

  // The read-only token for "web*": only those services, live, and no write button.
  await page.fill('#token', readOnly);
  await page.press('#token', 'Enter');
  await page.locator('#services tr[data-service="web"]').waitFor();
  await page.locator('#services tr[data-service="web-api"]').waitFor();
  const shown = await page.$$eval('#services tbody tr', (rs) => rs.map((r) => r.dataset.service));
  if (shown.join(',') !== 'web,web-api') fail('expected services web,web-api, found ' + shown.join(','));
  if ((await page.locator('#login').isVisible())) fail('the token form is still shown');
  const kept = await page.evaluate(() => ({
    stored: sessionStorage.getItem('cairn.token'),
    local: localStorage.length,
    cookie: document.cookie,
  }));
  if (kept.stored !== readOnly) fail('the token is not in session storage');
  if (kept.local !== 0 || kept.cookie !== '') fail('the token leaked: ' + JSON.stringify(kept));
  step('filtered');

  await page.locator('#services tr[data-service="web"] a').click();
  await page.locator('#instances tr[data-instance="web-1"]').waitFor();
  await page.locator('#conn.live').waitFor();
  // The rights are read once the service is chosen; give the render that follows them a frame.
  await page.waitForFunction(() => state.acl && !state.mayWrite);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  if ((await page.locator('#instances tbody button').count()) !== 0) {
    fail('write buttons are shown to a read-only token');
  }
  // It may not read the server's charts (cluster read): they are not shown empty.
  if (await page.locator('#activity-pane .charts').isVisible()) {
    fail('the server charts are shown to a token without cluster read');
  }
  // Events of services it may not read stay out of the timeline too.
  await page.locator('#timeline li[data-event="registered web/web-1"]').waitFor();
  if ((await page.locator('#timeline li[data-event^="registered payments/"]').count()) !== 0) {
    fail('the timeline shows a service the token may not read');
  }
  step('readonly');

  // The live list follows changes it may see: the Java test registers web-new (and payments-new)
  // now.
  step('listening');
  await page.locator('#services tr[data-service="web-new"]').waitFor();
  const after = await page.$$eval('#services tbody tr', (rs) => rs.map((r) => r.dataset.service));
  if (after.includes('payments') || after.includes('payments-new')) {
    fail('a service the token may not read appeared: ' + after.join(','));
  }
  if ([...tokens].some((t) => t !== '' && t !== 'not-a-token' && t !== readOnly)) {
    fail('unexpected tokens sent: ' + [...tokens].join(','));
  }
  step('live');

  // Forgetting the token asks for one again and shows nothing.
  await page.locator('#logout').click();
  await page.locator('#login').waitFor();
  if (await page.locator('#main').isVisible()) fail('the panes stay after the token was forgotten');
  if (await page.evaluate(() => sessionStorage.getItem('cairn.token'))) fail('the token was kept');
  step('forgot');

  // A token that may write web gets its buttons.
  await page.fill('#token', writer);
  await page.press('#token', 'Enter');
  const maintenance = page.locator('#instances tr[data-instance="web-1"] button', { hasText: 'maintenance' });
  await maintenance.waitFor();
  step('writable');

  // The Java test deletes the write policy; the page does not know until a write is refused.
  step('revoking-write');
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (await page.evaluate(async () => (await whoAmI('default', 'web')).self.may.writeService)) {
    if (Date.now() > deadline) fail('the write policy was not deleted');
    await page.waitForTimeout(100);
  }
  if ((await page.locator('#instances tbody button').count()) === 0) fail('the buttons went by themselves');
  await maintenance.click();
  await page.locator('#message').filter({ hasText: 'may not write service' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#instances tbody button').length === 0);
  step('write-refused');

  // The Java test deletes the token: the console asks for another, says why, and stops reading.
  step('deleting');
  await page.locator('#login-error').filter({ hasText: 'no longer knows this token' }).waitFor();
  if (await page.locator('#main').isVisible()) fail('the panes stay after the token was deleted');
  const left = await page.evaluate(() => ({
    streams: Object.values(streams).filter(Boolean).length,
    stored: sessionStorage.getItem('cairn.token'),
    conn: document.getElementById('conn').textContent,
  }));
  if (left.streams !== 0 || left.stored !== null || left.conn !== 'no token') {
    fail('the deleted token is still in use: ' + JSON.stringify(left));
  }
  step('deleted');
  if (problems.length) fail(problems.join('\n'));
}
