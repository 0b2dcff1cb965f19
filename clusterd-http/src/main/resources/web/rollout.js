// Rollouts (docs/rollouts.md): a cluster write delivered in waves. The plan's waves are asked for as a dry run and
// shown before the start; while the rollout runs its waves and each instance's outcome are shown, with resume,
// pause and abort.
import { h, fill, openDialog, field, badge, table, KEEP_OPEN } from './ui.js';
import { request, get } from './api.js';

/** The rollout body of a write, from the operations its dry run sends one instance; null when it cannot be. */
export function rolloutWrite(ops) {
  if (!ops || ops.length === 0) return null;
  if (ops.length > 1) {
    if (!ops.every(o => o.op === 'set-meta' && o.key === ops[0].key)) return null;
    const meta = {};
    ops.forEach(o => { meta[o.meta] = o.value; });
    return { op: 'meta', key: ops[0].key, meta };
  }
  const { op, key, value, target, meta } = ops[0];
  return { op, key, value, target, meta };
}

/** "staging | eu-web, eu-db | *" or "1, 10, 50, 100" as the waves of the API; undefined when empty. */
export function parseWaves(text) {
  const t = text.trim();
  if (!t) return undefined;
  if (/^\d+(\s*,\s*\d+)*$/.test(t)) return t.split(',').map(x => Number(x.trim()));
  return t.split('|').map(w => w.split(',').map(x => x.trim()).filter(Boolean));
}

function planOf(write, form) {
  const body = { ...write };
  const waves = parseWaves(form.waves.value);
  if (waves) body.waves = waves;
  const mf = form.maxFailures.value.trim();
  if (mf) body.maxFailures = mf.endsWith('%') ? mf : Number(mf);
  if (form.pause.value.trim()) body.pause = form.pause.value.trim();
  body.verify = form.verify.checked;
  return body;
}

const WAVE_STATUS = { waiting: 'unknown', running: 'pending', done: 'in-sync', failed: 'failed', skipped: 'unknown' };
const OUTCOME = { waiting: 'unknown', done: 'in-sync', failed: 'failed', skipped: 'unknown' };

/** The waves of a rollout (planned or running) with their instances and outcomes. */
export function wavesView(r, forest) {
  return table(['Wave', 'Status', 'Instances'], r.waves.map(w => h('tr', { 'data-wave': String(w.index), 'data-status': w.status },
    h('td', {}, `${w.index}. `, h('code', {}, w.label)),
    h('td', {}, badge(WAVE_STATUS[w.status] || 'unknown', '', w.status),
      h('div', { class: 'muted' }, `${w.summary.succeeded} of ${w.summary.total} done` + (w.summary.failed ? `, ${w.summary.failed} failed` : ''))),
    h('td', {}, h('ul', { class: 'rollout-instances' }, w.instances.map(i => h('li', { 'data-instance': i.id, 'data-outcome': i.outcome },
      badge(OUTCOME[i.outcome] || 'unknown', i.error || '', i.outcome), ' ', forest ? forest.name(i.id) : i.id,
      i.error ? h('div', { class: 'muted' }, i.error) : null)))))), 'rollout-waves');
}

function stateLine(r) {
  const wave = r.wave > 0 ? `, wave ${r.wave} of ${r.waves.length}` : '';
  const until = r.resumeAt ? ` (next wave at ${new Date(r.resumeAt).toLocaleTimeString()})` : '';
  return h('p', { class: 'rollout-state', 'data-state': r.state }, `Rollout ${r.id}: `, h('strong', {}, r.state), wave, until);
}

/**
 * Asks for the plan (waves, failures allowed, pause, read-back), shows its waves as a dry run, and starts it.
 * Resolves with the started rollout, or null when cancelled.
 */
export async function startRollout({ title, cluster, write, forest }) {
  const url = `/api/clusters/${encodeURIComponent(cluster)}/rollouts`;
  const form = {
    waves: h('input', { id: 'rollout-waves', type: 'text', placeholder: 'e.g. staging | eu-web, eu-db | *   or   1, 10, 50, 100' }),
    maxFailures: h('input', { id: 'rollout-max-failures', type: 'text', value: '0' }),
    pause: h('input', { id: 'rollout-pause', type: 'text', value: 'manual' }),
    verify: h('input', { id: 'rollout-verify', type: 'checkbox', checked: true }),
  };
  const waves = h('div', { class: 'rollout-plan', id: 'rollout-plan' });
  const show = async () => {
    const planned = await request('POST', url, { json: planOf(write, form), query: { dryRun: 'true' } });
    fill(waves, h('p', {}, `${planned.waves.length} wave${planned.waves.length === 1 ? '' : 's'}:`), wavesView(planned, forest));
    return KEEP_OPEN;
  };
  let started = null;
  const content = h('div', {},
    field('Waves', form.waves, 'Node ids below the cluster, waves separated by |, * for the rest; or cumulative percents. Empty: one wave per child.'),
    field('Failures allowed per wave', form.maxFailures, 'A count, or a percent such as 10%'),
    field('Pause between waves', form.pause, 'manual, or a duration such as 30s or 5m'),
    h('label', { class: 'check' }, form.verify, ' Read every instance back before the next wave'),
    waves);
  const shown = openDialog({ title: 'Roll out in waves: ' + title, wide: true, id: 'rollout-dialog', content, actions: [
    { label: 'Show waves', value: 'plan', run: show },
    { label: 'Start rollout', value: 'start', primary: true, run: async () => { started = await request('POST', url, { json: planOf(write, form) }); } },
  ] });
  show().catch(e => fill(waves, h('p', { class: 'field-error' }, e.message)));
  return (await shown) === 'start' ? started : null;
}

/** Follows a rollout until it is closed: its waves refresh every half second; resume, pause and abort act on it. */
export async function followRollout(first, forest) {
  let r = first;
  const view = h('div', { id: 'rollout-progress-view' });
  const render = () => fill(view, stateLine(r), wavesView(r, forest));
  render();
  let open = true;
  const poll = async () => {
    while (open) {
      await new Promise(res => setTimeout(res, 500));
      if (!open) break;
      try { r = await get(`/api/rollouts/${encodeURIComponent(r.id)}`); render(); } catch (e) { /* shown on the next action */ }
    }
  };
  poll();
  const control = action => async () => {
    const answer = await request('POST', `/api/rollouts/${encodeURIComponent(r.id)}/${action}`);
    r = answer;
    render();
    return KEEP_OPEN;
  };
  try {
    await openDialog({ title: `Rollout of ${r.cluster}`, wide: true, id: 'rollout-progress', content: view, cancel: 'Close', actions: [
      { label: 'Resume', value: 'resume', run: control('resume') },
      { label: 'Pause', value: 'pause', run: control('pause') },
      { label: 'Abort', value: 'abort', danger: true, run: control('abort') },
    ] });
  } finally {
    open = false;
  }
  return r;
}
