// Drives every method of the official Vonage Subaccounts SDK
// (@vonage/subaccounts 1.12.1) against kassa, with only its apiHost option
// pointed at it, and prints a JSON report: one entry per step with what
// the SDK returned and whether the step's checks passed.
// sdk_subaccounts_test.go runs it and asserts the report.
'use strict';

const { SubAccounts } = require('@vonage/subaccounts');
const { Auth } = require('@vonage/auth');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`missing ${name}`);
  return v;
};
const url = env('KASSA_URL');
const key = env('KASSA_API_KEY');
const secret = env('KASSA_API_SECRET');
const primary = new SubAccounts(new Auth({ apiKey: key, apiSecret: secret }), { apiHost: url });
// An apiHost ending in '/' makes the SDK request "//accounts/…".
const slashed = new SubAccounts(new Auth({ apiKey: key, apiSecret: secret }), { apiHost: url + '/' });

const report = {};
const hex8 = /^[0-9a-f]{8}$/;
const millis = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// step runs fn and records its result (or the SDK's error, with the
// status and the JSON body of the answer) under name.
async function step(name, fn) {
  try {
    report[name] = { ok: true, ...(await fn()) };
  } catch (err) {
    const resp = err.response;
    let body = null;
    if (resp && typeof resp.text === 'function') {
      try { body = await resp.text(); } catch (_) { body = null; }
    }
    report[name] = {
      ok: false, error: String(err && err.message || err), status: resp ? resp.status : null, body,
      contentType: resp && resp.headers ? resp.headers.get('content-type') : null,
    };
  }
}

// check throws when cond is false, so that the step reports the failure.
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function main() {
  const epoch = new Date(0).toISOString(); // "1970-01-01T00:00:00.000Z": milliseconds, as toISOString writes

  await step('page_empty', async () => {
    const p = await primary.getSubAccountPage();
    check(Array.isArray(p._embedded.subaccounts) && p._embedded.subaccounts.length === 0, 'no subaccounts: []');
    check(typeof p.total_balance === 'number' && typeof p.total_credit_limit === 'number', 'totals are numbers');
    return { totalBalance: p.total_balance, totalCreditLimit: p.total_credit_limit, self: p._links.self.href };
  });

  await step('primary', async () => {
    const p = await primary.getPrimaryAccount();
    check(p.apiKey === key, 'its key');
    check(typeof p.name === 'string', 'a string name');
    check(typeof p.balance === 'number' && typeof p.creditLimit === 'number', 'numbers');
    check(millis.test(p.createdAt), `createdAt ${p.createdAt}`);
    check(!('primaryAccountApiKey' in p) && !('usePrimaryAccountBalance' in p), 'no subaccount fields');
    return { account: p };
  });

  let shared = null;
  await step('create_shared', async () => {
    shared = await primary.createSubAccount({ name: 'shop shared' });
    check(hex8.test(shared.apiKey), `apiKey ${shared.apiKey}`);
    check(typeof shared.secret === 'string' && shared.secret.length >= 8, 'a generated secret, once');
    check(shared.usePrimaryAccountBalance === true, 'shared balance by default');
    check(shared.balance === null && shared.creditLimit === null, 'null balance and credit');
    check(shared.primaryAccountApiKey === key, 'its primary');
    check(millis.test(shared.createdAt), `createdAt ${shared.createdAt}`);
    return { account: shared };
  });

  let own = null;
  await step('create_own', async () => {
    own = await primary.createSubAccount({ name: 'shop own', secret: 'OwnSecret42', usePrimaryAccountBalance: false });
    check(own.secret === 'OwnSecret42', 'the given secret');
    check(own.usePrimaryAccountBalance === false && own.balance === 0 && own.creditLimit === 0, 'own balance at 0 and 0');
    return { account: own };
  });

  await step('create_slashed_host', async () => {
    const s = await slashed.createSubAccount({ name: 'through //accounts' });
    check(hex8.test(s.apiKey), 'created through //accounts');
    return { apiKey: s.apiKey };
  });

  await step('list', async () => {
    const l = await primary.listSubAccounts();
    check(l.length === 3, `three subaccounts, got ${l.length}`);
    check(l[0].apiKey === shared.apiKey && l[1].apiKey === own.apiKey, 'oldest first');
    check(l.every((s) => !('secret' in s)), 'no secrets in the list');
    return { count: l.length, keys: l.map((s) => s.apiKey) };
  });

  await step('get', async () => {
    const s = await primary.getSubAccount(own.apiKey);
    check(s.apiKey === own.apiKey && s.name === 'shop own' && !('secret' in s), 'the subaccount without its secret');
    return { account: s };
  });

  await step('suspend_and_rename', async () => {
    const s = await primary.updateSubAccount(shared.apiKey, { suspended: true, name: 'shop paused' });
    check(s.suspended === true && s.name === 'shop paused', 'suspended and renamed');
    return { account: s };
  });

  await step('suspended_credentials', async () => {
    const sub = new SubAccounts(new Auth({ apiKey: shared.apiKey, apiSecret: shared.secret }), { apiHost: url });
    await sub.getSubAccountPage();
    return {};
  });

  await step('resume', async () => {
    const s = await primary.updateSubAccount(shared.apiKey, { suspended: false });
    check(s.suspended === false, 'resumed');
    return { account: s };
  });

  await step('subaccount_as_primary', async () => {
    const sub = new SubAccounts(new Auth({ apiKey: shared.apiKey, apiSecret: shared.secret }), { apiHost: url });
    await sub.listSubAccounts();
    return {};
  });

  await step('own_back_to_shared', async () => {
    await primary.updateSubAccount(own.apiKey, { usePrimaryAccountBalance: true });
    return {};
  });

  let credit = null;
  await step('transfer_credit', async () => {
    // 1.12.1 types a credit transfer's amount as a string.
    credit = await primary.transferCredit({ from: key, to: own.apiKey, amount: '0.50', reference: 'credit from the sdk' });
    check(uuid.test(credit.id) && credit.creditTransferId === credit.id, 'id and creditTransferId');
    check(credit.amount === 0.5 && credit.from === key && credit.to === own.apiKey, 'the transfer');
    check(credit.masterAccountId === key, 'masterAccountId');
    check(millis.test(credit.createdAt), `createdAt ${credit.createdAt}`);
    return { transfer: credit };
  });

  let balance = null;
  await step('transfer_balance', async () => {
    balance = await primary.transferBalance({ from: key, to: own.apiKey, amount: 1.25, reference: 'balance from the sdk' });
    check(uuid.test(balance.id) && balance.balanceTransferId === balance.id, 'id and balanceTransferId');
    check(balance.amount === 1.25, 'the amount');
    return { transfer: balance };
  });

  await step('transfer_balance_back', async () => {
    const b = await primary.transferBalance({ from: own.apiKey, to: key, amount: 0.25 });
    check(b.reference === '', 'an empty reference, never null');
    return { transfer: b };
  });

  await step('transfer_credit_insufficient', async () => {
    await primary.transferCredit({ from: key, to: own.apiKey, amount: '100000' });
    return {};
  });

  await step('transfer_balance_between_subaccounts', async () => {
    await primary.transferBalance({ from: own.apiKey, to: shared.apiKey, amount: 0.1 });
    return {};
  });

  await step('list_credit', async () => {
    const l = await primary.listCreditTransfers({ startDate: epoch });
    check(l.length === 1 && l[0].id === credit.id && l[0].creditTransferId === credit.id, 'the credit transfer');
    return { count: l.length, first: l[0] };
  });

  await step('list_credit_filtered', async () => {
    const l = await primary.listCreditTransfers({ startDate: epoch, endDate: new Date(Date.now() + 60000).toISOString(), sub: shared.apiKey });
    check(l.length === 0, 'none for the shared subaccount');
    return { count: l.length };
  });

  await step('list_balance', async () => {
    const l = await primary.listBalanceTransfers({ startDate: epoch, subaccount: own.apiKey });
    check(l.length === 2 && l[1].id === balance.id && l[1].balanceTransferId === balance.id, 'both, newest first');
    return { count: l.length, newest: l[0] };
  });

  await step('transfer_number', async () => {
    await primary.transferNumber({ from: key, to: own.apiKey, number: '447700900000', country: 'GB' });
    return {};
  });

  await step('get_unknown', async () => {
    await primary.getSubAccount('ffff0000');
    return {};
  });

  await step('page_after', async () => {
    const p = await primary.getSubAccountPage();
    return { totalBalance: p.total_balance, totalCreditLimit: p.total_credit_limit, count: p._embedded.subaccounts.length };
  });

  await step('own_after', async () => {
    const s = await primary.getSubAccount(own.apiKey);
    return { balance: s.balance, creditLimit: s.creditLimit };
  });

  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

main().catch((err) => {
  process.stderr.write(`sdk script failed: ${err && err.stack || err}\n`);
  process.exit(1);
});
