// The change history of a node (newest first): who, when, what, old and new value, outcome. An instance's history
// also shows the key changes of the clusters above it (GET /api/history?inherited=true).
import { request } from './api.js';
import { h, showError } from './ui.js';

const PAGE = 50;

export function historyView(node, forest) {
  const el = h('div', { class: 'history' });
  const rows = h('tbody');
  const more = h('button', { hidden: true, onclick: () => load(last) }, 'Older entries');
  let last = null;
  el.append(h('table', { class: 'history-table' },
    h('thead', {}, h('tr', {}, ['Time', 'Who', 'Node', 'Operation', 'Key', 'Change', 'Outcome'].map(x => h('th', { scope: 'col' }, x)))),
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
          h('td', {}, e.outcome)));
      }
      last = history.length ? history[history.length - 1].seq : last;
      more.hidden = history.length < PAGE;
    } catch (e) {
      showError(e, `History of ${node.name}`);
    }
  }
  load(null);
  return el;
}
