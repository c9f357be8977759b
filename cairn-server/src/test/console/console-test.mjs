// Drives the web console in headless Chromium for ConsoleBrowserTest (docs/console.md).
//
//   node console-test.mjs <chromium> <server base url> <screenshot.png> <fresh profile dir>
//
// Prints "step:<name>" lines on stdout; the Java test registers an instance through the HTTP API
// when it reads "step:watching", and latency-1..30 one by one after "step:measuring", each when
// the previous one's "seen:<id>:<event millis>:<row millis>" line came. Exits 0 when every step passed, 1 with the reason on stderr
// otherwise, and 2 when the whole run takes more than 60 s.
import { fail, runInChromium, step, STEP_TIMEOUT_MS } from './headless.mjs';

const [executablePath, base, screenshot, profile] = process.argv.slice(2);
const LATENCY_ROUNDS = 30;
const HTML_NOTE = '<img src=x onerror="window.cairnPwned=1">';

await runInChromium('console test', { executablePath, profile, height: 420 }, run);

async function run(page) {
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push('console error: ' + m.text());
  });

  // "/" redirects to the console, which lists the namespace's services live.
  await page.goto(base + '/');
  if (!page.url().endsWith('/ui/')) fail('expected a redirect to /ui/, at ' + page.url());
  const webRow = page.locator('#services tr[data-service="web"]');
  await webRow.waitFor();
  await expectText(webRow.locator('td').nth(1), '3');
  step('loaded');

  // Open the service: its instances come from the service's event stream.
  await webRow.locator('a').click();
  await page.locator('#instances tr[data-instance="web-1"]').waitFor();
  await page.locator('#instances tr[data-instance="web-4"]').waitFor();
  await page.locator('#conn.live').waitFor();
  await page.evaluate(() => {
    window.cairnTestMarker = 'same page';
  });
  step('watching');

  // The test registers web-3 through the API now: it must appear without a reload.
  const web3 = page.locator('#instances tr[data-instance="web-3"]');
  await web3.waitFor();
  await expectText(webRow.locator('td').nth(1), '4');
  const marker = await page.evaluate(() => window.cairnTestMarker);
  if (marker !== 'same page') fail('the page reloaded: marker is ' + marker);
  await expectText(web3.locator('td').nth(6), '—');
  step('live');

  // The timeline shows web-3's registration; the test compares its revision with the API's answer.
  const registered = page.locator('#timeline li[data-event="registered web/web-3"]');
  await registered.waitFor();
  console.log('timeline:web-3:' + (await registered.getAttribute('data-revision')));
  // web's charts end with its live count: the row's small one and the selected service's.
  await webRow.locator('svg.spark[data-max="4"] path.instances').first().waitFor();
  await page.locator('#service-chart[data-max="4"] path.passing').first().waitFor();
  const label = await webRow.locator('svg.spark').getAttribute('aria-label');
  if (!/^the last \d+ min: \d+ to 4 instances; passing now \d of 4/.test(label)) {
    fail('unexpected chart label: ' + label);
  }
  step('timeline');

  // web-1's HTTP check probes a target answering 503: its output shows under the health badge.
  const web1 = page.locator('#instances tr[data-instance="web-1"]');
  await web1.locator('pre.check', { hasText: /^HTTP 503 Service Unavailable in \d+ ms$/ }).waitFor();
  await expectText(web1.locator('.badge').first(), 'critical');
  // Its check made it critical: a health change in the timeline, from passing.
  await page.locator('#timeline li[data-event="health web/web-1"]', { hasText: 'passing → critical' })
    .waitFor();
  step('checked');

  // Search and filters narrow the rows down.
  await page.fill('#search', 'web-3');
  await expectRows(page, ['web-3']);
  await page.fill('#search', 'team=shop');
  await expectRows(page, ['web-1', 'web-4']);
  await page.fill('#search', '');
  await page.selectOption('#health-filter', 'warning');
  await expectRows(page, ['web-2']);
  await page.selectOption('#health-filter', '');
  await page.selectOption('#zone-filter', 'z1');
  await expectRows(page, ['web-1', 'web-3']);
  await page.selectOption('#zone-filter', '');
  await page.selectOption('#tag-filter', 'canary');
  await expectRows(page, ['web-3']);
  await page.selectOption('#tag-filter', '');
  await expectRows(page, ['web-1', 'web-2', 'web-3', 'web-4']);
  step('filtered');

  // Maintenance marks web-3 critical, as the screenshot shows, and the timeline says so; web-4 is
  // owned by a session, whose secret the console does not have: it is not offered maintenance.
  // Deregister, once confirmed, removes web-2.
  const web4 = page.locator('#instances tr[data-instance="web-4"]');
  if (!(await web4.getByRole('button', { name: 'maintenance', exact: true }).isDisabled())) {
    fail('web-4, owned by a session, is offered maintenance');
  }
  await web3.getByRole('button', { name: 'maintenance', exact: true }).click();
  await web3.locator('.badge.maintenance').waitFor();
  await expectText(web3.locator('.badge').first(), 'critical');
  await page.locator('#timeline li[data-event="health web/web-3"]', { hasText: 'passing → critical' })
    .waitFor();
  if (problems.length) fail(problems.join('\n'));
  await page.screenshot({ path: screenshot, fullPage: true, animations: 'disabled' });
  page.once('dialog', (d) => d.accept());
  await page.locator('#instances tr[data-instance="web-2"]').getByRole('button', { name: 'deregister', exact: true }).click();
  await page.locator('#instances tr[data-instance="web-2"]').waitFor({ state: 'detached' });
  await expectText(webRow.locator('td').nth(1), '3');
  step('acted');
  if (problems.length) fail(problems.join('\n'));

  // Registry data is text, never markup: pay-2's metadata holds an HTML tag with a handler.
  await page.locator('#services tr[data-service="payments"] a').click();
  const note = page.locator('#instances tr[data-instance="pay-2"] .chip', { hasText: 'note=' });
  await note.waitFor();
  await expectText(note, 'note=' + HTML_NOTE);
  if ((await note.locator('img').count()) !== 0) fail('metadata was rendered as HTML');
  if (await page.evaluate(() => window.cairnPwned)) fail('a handler in metadata ran');
  step('escaped');

  // Long values wrap: pay-3's 512-character metadata value and 63-character tag stay inside the
  // pane, and its buttons stay visible; one instance is "1 instance".
  const pay3 = page.locator('#instances tr[data-instance="pay-3"]');
  await pay3.waitFor();
  const overflow = await page.evaluate(() => {
    const pane = document.querySelector('#instances').closest('section');
    const row = document.querySelector('#instances tr[data-instance="pay-3"]');
    const button = row.querySelector('button.danger');
    return {
      pane: pane.clientWidth,
      scroll: pane.scrollWidth,
      button: button.getBoundingClientRect().right - pane.getBoundingClientRect().right,
    };
  });
  if (overflow.scroll > overflow.pane + 1 || overflow.button > 1) {
    fail('long values overflow the pane: ' + JSON.stringify(overflow));
  }
  await page.locator('#services tr[data-service="search"] a').click();
  await expectText(page.locator('#shown'), '1 instance');
  step('wrapped');

  // Latency: the test registers latency-1.. one at a time, each after the previous row showed.
  // The page notes (wall clock, as the test's) when each registration's event reached the
  // page's event stream and when its row was put in the table.
  await page.evaluate(() => {
    location.hash = '#/default/latency';
  });
  await page.locator('#service-title').filter({ hasText: /^latency$/ }).waitFor();
  await page.locator('#conn.live').waitFor();
  await page.evaluate(() => {
    const seen = (window.cairnLatency = {});
    const entry = (id) => (seen[id] = seen[id] || {});
    streams.instances.addEventListener('added', (e) => {
      entry(JSON.parse(e.data).instance.id).event = Date.now();
    });
    const rows = document.querySelector('#instances tbody');
    new MutationObserver(() => {
      for (const tr of rows.children) {
        const e = entry(tr.dataset.instance);
        if (!e.row) e.row = Date.now();
      }
    }).observe(rows, { childList: true });
  });
  step('measuring');
  for (let i = 1; i <= LATENCY_ROUNDS; i++) {
    const id = 'latency-' + i;
    await page.locator('#instances tr[data-instance="' + id + '"]').waitFor();
    const t = await page.evaluate((k) => window.cairnLatency[k], id);
    console.log('seen:' + id + ':' + t.event + ':' + t.row);
  }
  step('measured');

  // The server's charts: the registrations above were written, and pushed to the watchers.
  await page.waitForFunction(() => {
    const writes = document.querySelector('#writes-chart');
    const lag = document.querySelector('#lag-chart');
    return Number(writes.dataset.max) > 0 && writes.querySelector('path.writes') &&
      Number(lag.dataset.pushes) > 0 && lag.querySelector('path.lag-mean');
  }, null, { timeout: STEP_TIMEOUT_MS });
  step('charted');

  // A stream the API refuses (not a valid service name) shows the API's message.
  await page.evaluate(() => {
    location.hash = '#/default/Not_A_Name';
  });
  await page.locator('#message').filter({ hasText: 'service: "Not_A_Name"' }).waitFor();
  await page.locator('#conn.down').waitFor();
  step('refused');

  // Another namespace: its own services only.
  await page.fill('#namespace', 'staging');
  await page.press('#namespace', 'Enter');
  await page.locator('#services tr[data-service="billing"]').waitFor();
  await page.locator('#services tr[data-service="web"]').waitFor({ state: 'detached' });
  if (!page.url().endsWith('#/staging')) fail('expected the namespace in the URL: ' + page.url());
  step('namespace');

  // A link to a namespace that cannot exist, opened afresh: the console opens (no token form on a
  // server without ACLs), shows the API's message, and its namespace field leads elsewhere.
  await page.goto('about:blank'); // not a same-document hash change: the page loads again
  await page.goto(base + '/ui/#/Not_A_Namespace/web');
  await page.locator('#message').filter({ hasText: 'namespace: "Not_A_Namespace"' }).waitFor();
  if (await page.locator('#login').isVisible()) fail('a bad namespace in the URL shows the token form');
  await page.fill('#namespace', 'staging');
  await page.press('#namespace', 'Enter');
  await page.locator('#services tr[data-service="billing"]').waitFor();
  step('bad-namespace-link');
}

async function expectText(locator, text) {
  const exact = new RegExp('^\\s*' + text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '\\s*$');
  try {
    await locator.filter({ hasText: exact }).waitFor();
  } catch (e) {
    fail('expected "' + text + '", found "' + (await locator.textContent()) + '"');
  }
}

async function expectRows(page, ids) {
  const want = ids.join(',');
  try {
    await page.waitForFunction(
      (w) => [...document.querySelectorAll('#instances tbody tr')]
        .map((r) => r.dataset.instance).join(',') === w,
      want, { timeout: STEP_TIMEOUT_MS });
  } catch (e) {
    const got = await page.$$eval('#instances tbody tr', (rs) => rs.map((r) => r.dataset.instance));
    fail('expected rows ' + want + ', found ' + got.join(','));
  }
}
