// Cluster writes: every write is first sent as a dry run and its plan shown (conflicts, what each instance
// would get); once confirmed it is sent for real and the per-instance results of the fan-out are shown.
import { h, openDialog, table, badge } from './ui.js';
import { rolloutWrite, startRollout, followRollout } from './rollout.js';

/** Merges the dry-run answers of one or more changes ({dryRun, plans: [...]} or one plan). */
function mergePlan(p) {
  const plans = p.plans || [p];
  return {
    accepted: plans.every(x => x.accepted),
    conflicts: plans.flatMap(x => x.conflicts || []),
    changes: plans.flatMap(x => x.changes || []),
  };
}

/** "set user:/app/port = 8080" */
export function describeOp(op) {
  switch (op.op) {
    case 'set': return `set ${op.key} = ${op.value}`;
    case 'move': return `move ${op.key} \u2192 ${op.target}`;
    case 'copy': return `copy ${op.key} \u2192 ${op.target}`;
    case 'set-meta': return `set meta ${op.meta} of ${op.key} = ${op.value}`;
    case 'delete-meta': return `remove meta ${op.meta} of ${op.key}`;
    default: return `${op.op} ${op.key}${op.value !== undefined ? ' = ' + op.value : ''}`;
  }
}

function planView(plan, forest) {
  const n = new Set(plan.changes.map(c => c.instance)).size;
  return h('div', { class: 'plan', 'data-accepted': String(plan.accepted) },
    plan.accepted
      ? h('p', { class: 'plan-summary' }, n === 0 ? 'No instance needs to change.' : `${n} instance${n === 1 ? '' : 's'} will change:`)
      : h('p', { class: 'plan-summary refused' }, 'The daemon would refuse this change:'),
    plan.conflicts.length ? h('ul', { class: 'conflicts' }, plan.conflicts.map(c =>
      h('li', {}, h('code', { class: 'i18n' }, c.i18n), ' ', c.message))) : null,
    plan.changes.length ? table(['Instance', 'Host', 'Operations'], plan.changes.map(c => {
      const tr = h('tr', { 'data-instance': c.instance },
        h('td', {}, forest ? forest.name(c.instance) : c.instance),
        h('td', { class: 'host' }, c.host),
        h('td', {}, h('ul', { class: 'ops' }, c.operations.map(op => h('li', {}, h('code', {}, describeOp(op)))))));
      return tr;
    }), 'changes') : null);
}

const PENDING = ['INSTANCE_UNREACHABLE', 'INSTANCE_TIMEOUT'];

/** The per-instance results of a fan-out, {status, summary, results}. */
export function resultsView(r, forest) {
  const s = r.summary || { total: 0, succeeded: 0, failed: 0 };
  return h('div', { class: 'results', 'data-status': String(r.status) },
    h('p', { class: 'summary' + (s.failed ? ' partial' : '') },
      s.total === 0 ? 'No instance below: nothing to send.' : `${s.succeeded} of ${s.total} instances succeeded`,
      h('span', { class: 'muted' }, ` (HTTP ${r.status})`)),
    r.results && r.results.length ? table(['Instance', 'Result', 'Time', 'Detail'], r.results.map(o => {
      const ok = o.status >= 200 && o.status < 300;
      const pending = !ok && o.error && PENDING.includes(o.error.i18n);
      const state = ok ? 'ok' : pending ? 'pending' : 'failed';
      return h('tr', { 'data-instance': o.instance, 'data-result': state },
        h('td', {}, forest ? forest.name(o.instance) : o.instance, h('div', { class: 'host' }, o.host)),
        h('td', {}, badge(ok ? 'in-sync' : state, `HTTP ${o.status}`, ok ? 'applied' : state)),
        h('td', { class: 'num' }, `${o.latencyMs} ms`),
        h('td', {}, o.error ? [h('code', { class: 'i18n' }, o.error.i18n), ' ', o.error.message,
          pending ? h('div', { class: 'muted' }, 'Queued: delivered when the instance answers again.') : null] : ''));
    }), 'outcomes') : null);
}

/**
 * The notice after a write: "done" only when every instance took it, else what happened, e.g.
 * "applied to 1 of 2, 1 pending" (pending: kept and delivered when the instance answers again).
 */
export function outcomeText(answer) {
  if (answer && answer.rollout) return `rollout ${answer.rollout.id} ${answer.rollout.state}`;
  const fan = answer && (answer.summary ? answer : answer.fanOut);
  if (!fan || !fan.summary || !fan.summary.failed) return 'done';
  const failedResults = (fan.results || []).filter(o => !(o.status >= 200 && o.status < 300));
  const pending = failedResults.filter(o => o.error && PENDING.includes(o.error.i18n)).length;
  const failed = fan.summary.failed - pending;
  return `applied to ${fan.summary.succeeded} of ${fan.summary.total}`
    + (pending ? `, ${pending} pending` : '') + (failed ? `, ${failed} failed` : '');
}

/** Shows the results of a fan-out in a dialog. */
export function showResults(title, r, forest) {
  return openDialog({ title, content: resultsView(r, forest), cancel: 'Close', wide: true, id: 'results-dialog' });
}

/**
 * The preview-then-apply flow: send({dryRun: 'true'}) (or the given plan, when the dry run was sent already) gives
 * the plan shown for confirmation; then
 * send({}) (or send({force: 'true'}) when the user takes ownership of lower pins) applies it.
 * Resolves with the final answer, or null when cancelled. The fan-out results are shown when there are any.
 */
export async function previewAndApply({ title, forest, send, plan: asked = null, cluster = null }) {
  const plan = mergePlan(asked || await send({ dryRun: 'true' }));
  const forceable = !plan.accepted && plan.conflicts.length > 0 && plan.conflicts.every(c => c.i18n === 'KEY_PINNED_BELOW');
  let answer = null;
  const apply = query => async () => { answer = await send(query); return 'applied'; };
  const actions = [{ label: 'Apply now', value: 'apply', primary: true, disabled: !plan.accepted, run: apply({}) }];
  // a write of one cluster's keys may go out in waves instead (docs/rollouts.md)
  const write = cluster && plan.accepted && plan.changes.length > 1 ? rolloutWrite(plan.changes[0].operations) : null;
  if (write) actions.push({ label: 'Roll out in waves\u2026', value: 'rollout' });
  if (forceable) actions.push({ label: 'Apply and remove the lower pins', value: 'force', danger: true, run: apply({ force: 'true' }) });
  const chosen = await openDialog({ title: 'Preview: ' + title, content: planView(plan, forest), actions, wide: true, id: 'preview-dialog' });
  if (!chosen) return null;
  if (chosen === 'rollout') {
    const started = await startRollout({ title, cluster, write, forest });
    return started ? { rollout: await followRollout(started, forest) } : null;
  }
  const fan = answer && (answer.summary ? answer : answer.fanOut);
  if (fan && fan.summary && fan.summary.total > 0) await showResults('Result: ' + title, fan, forest);
  return answer;
}
