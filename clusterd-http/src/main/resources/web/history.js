// The change history of a node (newest first): who, when, what, old and new value, outcome. An instance's history
// also shows the key changes of the clusters above it (GET /api/history?inherited=true). A cluster's history offers
// "Restore to here" on every entry: a dry run of POST /api/clusters/{id}/rollback shows every pin and per-instance
// change, and confirming applies it.
import { request } from './api.js';
import { h, showError, openDialog, announce, table } from './ui.js';

const PAGE = 50;

export function historyView(node, forest) {
  const el = h('div', { class: 'history' });
  const rows = h('tbody');
  const more = h('button', { hidden: true, onclick: () => load(last) }, 'Older entries');
  let last = null;
  el.append(h('table', { class: 'history-table' },
    h('thead', {}, h('tr', {}, ['Time', 'Who', 'Node', 'Operation', 'Key', 'Change', 'Outcome', ...(node.type === 'cluster' ? [''] : [])]
      .map(x => h('th', { scope: 'col' }, x)))),
    rows), more);

  async function load(before) {
    try {
      // an instance's history also lists the key changes of the clusters above it: the pins it received
      const query = { node: node.id, limit: PAGE };
      if (node.type === 'instance') query.inherited = 'true';
      if (before !== null) query.before = before;
      const { history } = await request('GET', '/api/history', { query });
      if (before === null && history.length === 0) rows.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No changes recorded yet.')));
      for (const e of history) {
        const inherited = e.node !== node.id;
        rows.append(h('tr', { 'data-seq': e.seq, 'data-node': e.node, 'data-inherited': String(inherited) },
          h('td', { class: 'time' }, h('time', { datetime: e.time, title: e.time }, new Date(e.time).toLocaleString())),
          h('td', {}, e.actor || h('span', { class: 'muted' }, 'anonymous')),
          h('td', { class: 'node', title: inherited ? `pinned by cluster ${e.node}` : e.node },
            inherited ? h('span', { class: 'from' }, 'from ') : null, forest.name(e.node)),
          h('td', {}, e.operation),
          h('td', {}, e.key ? h('code', {}, e.key) : ''),
          h('td', { class: 'change' }, e.oldValue !== null || e.newValue !== null
            ? [h('span', { class: 'old' }, e.oldValue ?? '\u2014'), ' \u2192 ', h('span', { class: 'new' }, e.newValue ?? '\u2014')] : ''),
          h('td', {}, e.outcome),
          node.type === 'cluster' ? h('td', {}, h('button', { class: 'restore', 'data-seq': e.seq,
            title: `Restore the pins of ${node.name} to what they were right after this change`,
            onclick: () => restore(node, e, reload) }, 'Restore to here')) : null));
      }
      last = history.length ? history[history.length - 1].seq : last;
      more.hidden = history.length < PAGE;
    } catch (e) {
      showError(e, `History of ${node.name}`);
    }
  }
  function reload() {
    rows.replaceChildren();
    last = null;
    load(null);
  }
  load(null);
  return el;
}

/** A pin's value and metadata in one line: 8080 {check/type: long}. */
function pinText(v) {
  if (!v) return h('span', { class: 'muted' }, 'not pinned');
  const meta = Object.entries(v.meta || {}).map(([k, x]) => `${k}: ${x}`).join(', ');
  return [h('code', {}, v.value), meta ? h('span', { class: 'muted' }, ` {${meta}}`) : ''];
}

/**
 * Restore to here: the dry run first (with or without the clusters below), then the rollback itself. The server's
 * answer is the authority: its conflicts are shown and the rollback cannot be confirmed while there are any.
 */
async function restore(node, entry, reload) {
  const subtree = h('input', { type: 'checkbox', id: 'rollback-subtree' });
  const preview = h('div', { class: 'rollback-preview', 'aria-live': 'polite' });
  const body = () => ({ to: entry.seq, subtree: subtree.checked });
  let accepted = false;
  let restoreAction = null;
  const confirm = () => document.querySelector('#rollback-dialog [data-action="restore"]');
  async function plan() {
    preview.replaceChildren(h('p', { class: 'muted' }, 'Planning\u2026'));
    try {
      const p = await request('POST', `/api/clusters/${encodeURIComponent(node.id)}/rollback`,
        { json: body(), query: { dryRun: 'true' } });
      accepted = p.accepted && p.pins.length > 0;
      const parts = [];
      if (p.conflicts.length) {
        parts.push(h('ul', { class: 'error rollback-conflicts' }, p.conflicts.map(c => h('li', { 'data-i18n': c.i18n }, c.message))));
      }
      if (p.pins.length === 0 && !p.conflicts.length) parts.push(h('p', { class: 'rollback-nothing' }, 'The pins are as they were then: nothing to restore.'));
      if (p.pins.length) {
        parts.push(h('h3', {}, 'Pins'), table(['Cluster', 'Key', 'Now', 'Restored'], p.pins.map(x => [
          x.cluster, h('code', {}, x.key), pinText(x.before), x.action === 'remove' ? h('span', { class: 'muted' }, 'unpinned') : pinText(x.after)]),
        'rollback-pins'));
      }
      if (p.changes.length) {
        parts.push(h('h3', {}, 'Instances'), table(['Instance', 'Operations'], p.changes.map(c => [
          c.instance, h('ul', {}, c.operations.map(o => h('li', {}, `${o.op} ${o.key}${o.meta ? ' ' + o.meta : ''}${o.value !== undefined ? ' = ' + o.value : ''}`)))]),
        'rollback-changes'));
      }
      preview.replaceChildren(...parts);
    } catch (e) {
      accepted = false;
      preview.replaceChildren(h('p', { class: 'error' }, e.message + (e.i18n ? ` (${e.i18n})` : '')));
    }
    // the dialog submits its primary action only while that action is not disabled
    restoreAction.disabled = !accepted;
    const b = confirm();
    if (b) { b.disabled = !accepted; b.dataset.locked = String(!accepted); }
  }
  subtree.addEventListener('change', plan);
  const content = h('div', {},
    h('p', {}, `Restore the pins of ${node.name} to what they were right after change #${entry.seq} (${new Date(entry.time).toLocaleString()}).`),
    h('label', { for: 'rollback-subtree' }, subtree, ' also the clusters below'),
    preview);
  restoreAction = { label: 'Restore', value: 'restore', primary: true, disabled: true, run: async () => {
    const r = await request('POST', `/api/clusters/${encodeURIComponent(node.id)}/rollback`, { json: body() });
    announce(`Restored ${r.pins.length} pin(s) of ${node.name} to change #${entry.seq}`);
    return 'restore';
  } };
  const done = openDialog({ title: 'Restore to here', content, wide: true, id: 'rollback-dialog',
    actions: [restoreAction] });
  plan();
  if (await done === 'restore') reload();
}
