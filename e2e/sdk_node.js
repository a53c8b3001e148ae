// Drives every Account API operation of the official Vonage Node SDK
// (@vonage/server-sdk) against kassa, with only the SDK's host options
// pointed at it, and prints a JSON report: one entry per step with what the
// SDK returned and whether the step's checks passed. sdk_node_test.go runs
// it and asserts the report.
'use strict';

const { Vonage } = require('@vonage/server-sdk');
const { Auth } = require('@vonage/auth');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`missing ${name}`);
  return v;
};
const url = env('KASSA_URL');
const key = env('KASSA_API_KEY');
const options = { restHost: url, apiHost: url };
const vonage = new Vonage(new Auth({ apiKey: key, apiSecret: env('KASSA_API_SECRET') }), options);
const other = new Vonage(new Auth({ apiKey: env('KASSA_OTHER_KEY'), apiSecret: env('KASSA_OTHER_SECRET') }), options);

const price = /^\d+\.\d{8}$/;
const report = {};

// step runs fn and records its result (or the SDK's error) under name.
async function step(name, fn) {
  try {
    report[name] = { ok: true, ...(await fn()) };
  } catch (err) {
    const resp = err.response;
    let body = null;
    if (resp && typeof resp.text === 'function') {
      try { body = await resp.text(); } catch (_) { body = null; }
    }
    report[name] = { ok: false, error: String(err && err.message || err), status: resp ? resp.status : null, body };
  }
}

// check throws when cond is false, so that the step reports the failure.
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function main() {
  await step('balance', async () => {
    const b = await vonage.accounts.getBalance();
    check(typeof b.value === 'number', 'value is a number');
    check(typeof b.autoReload === 'boolean', 'autoReload is a boolean');
    return { value: b.value, autoReload: b.autoReload };
  });

  await step('country_pricing', async () => {
    const c = await vonage.pricing.listCountryPricing('sms', 'GB');
    check(c.countryCode === 'GB', 'countryCode GB');
    check(Array.isArray(c.networks) && c.networks.length > 0, 'networks');
    for (const n of c.networks) check(price.test(n.price), `price ${n.price} has 8 decimals`);
    return { countryCode: c.countryCode, dialingPrefix: c.dialingPrefix, currency: c.currency, networks: c.networks.length, defaultPrice: c.defaultPrice };
  });

  await step('full_pricing', async () => {
    const l = await vonage.pricing.listAllCountriesPricing('voice');
    check(Number(l.count) === l.countries.length, 'count matches countries');
    return { count: Number(l.count), hasGB: l.countries.some((c) => c.countryCode === 'GB') };
  });

  await step('prefix_pricing', async () => {
    const l = await vonage.pricing.listPrefixPricing('sms', '1');
    const codes = l.countries.map((c) => c.countryCode);
    check(codes.includes('US') && codes.includes('CA'), 'prefix 1 has US and CA');
    check(l.countries.every((c) => c.dialingPrefix === '1'), 'every country has prefix 1');
    return { count: Number(l.count), codes: codes.sort() };
  });

  await step('settings_read', async () => {
    const s = await vonage.accounts.updateAccountCallbacks({});
    return { settings: s };
  });

  await step('settings_update', async () => {
    // kassa requests the URL live before saving it: KASSA_CALLBACK_URL is a
    // receiver the test runs (on loopback, which the server is told to allow).
    const s = await vonage.accounts.updateAccountCallbacks({ moCallBackUrl: env('KASSA_CALLBACK_URL') });
    return { settings: s };
  });

  await step('settings_read_back', async () => {
    const s = await vonage.accounts.updateAccountCallbacks({});
    return { settings: s };
  });

  let created = null;
  await step('secrets_list', async () => {
    const l = await vonage.secrets.listSecrets(key);
    const list = l._embedded.secrets;
    check(list.length === 1 && list[0].id, 'one secret with an id');
    return { count: list.length, ids: list.map((s) => s.id) };
  });

  await step('secrets_create', async () => {
    created = await vonage.secrets.createSecret(key, 'SdkSecret42');
    check(created.id, 'an id');
    check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(created.created_at), `created_at ${created.created_at}`);
    return { id: created.id, created_at: created.created_at };
  });

  await step('secrets_get', async () => {
    const s = await vonage.secrets.getSecret(key, created.id);
    check(s.id === created.id, 'same id');
    return { id: s.id };
  });

  await step('secrets_list_after_create', async () => {
    const l = await vonage.secrets.listSecrets(key);
    return { count: l._embedded.secrets.length };
  });

  await step('secrets_revoke', async () => {
    await vonage.secrets.deleteSecret(key, created.id);
    return {};
  });

  await step('secrets_get_revoked', async () => {
    await vonage.secrets.getSecret(key, created.id);
    return {};
  });

  await step('topup_success', async () => {
    const before = (await vonage.accounts.getBalance()).value;
    const r = await vonage.accounts.topUpBalance(env('KASSA_TRX'));
    const after = (await vonage.accounts.getBalance()).value;
    return { result: r, before, after };
  });

  await step('topup_refused', async () => {
    const r = await other.accounts.topUpBalance('no-auto-reload');
    return { result: r };
  });

  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

main().catch((err) => {
  process.stderr.write(`sdk script failed: ${err && err.stack || err}\n`);
  process.exit(1);
});
