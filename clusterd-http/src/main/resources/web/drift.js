// Drift of a cluster: per instance below, the pinned keys whose actual value differs from the desired one
// (or that are missing), with a sync action that re-applies the effective pins (preview first).
import { request, nodeBase } from './api.js';
import { h, showError, badge, table, announce } from './ui.js';
import { previewAndApply, outcomeText } from './cluster.js';

export function driftView(cluster, forest) {
  const el = h('div', { class: 'drift' });
  const body = h('div', { class: 'drift-body' }, h('p', { class: 'muted' }, 'Comparing every instance with its pinned keys\u2026'));
  const sync = h('button', { id: 'sync', class: 'primary', onclick: async () => {
    try {
      const answer = await previewAndApply({ title: `Sync ${cluster.name}`, forest,
        send: query => request('POST', `${nodeBase(cluster)}/sync`, { query }) });
      if (answer) announce(`Sync of ${cluster.name}: ${outcomeText(answer)}`);
    } catch (e) {
      showError(e, `Sync ${cluster.name}`);
    }
    load();
  } }, 'Sync\u2026');
  el.append(h('div', { class: 'toolbar' }, sync, h('button', { onclick: () => load() }, 'Check again')), body);

  async function load() {
    try {
      const { drift } = await request('GET', `${nodeBase(cluster)}/drift`);
      const instances = forest.instancesBelow(cluster.id);
      if (instances.length === 0) {
        body.replaceChildren(h('p', { class: 'muted' }, 'No instance below this cluster.'));
        return;
      }
      const drifted = instances.filter(i => drift[i.id] && drift[i.id].length);
      const silent = instances.filter(i => !(i.id in drift));
      body.replaceChildren(
        h('p', { class: 'summary' }, drifted.length === 0 && silent.length === 0
          ? 'Every instance below has its pinned keys.'
          : `${drifted.length} of ${instances.length} instances drifted` + (silent.length ? `, ${silent.length} did not answer` : '') + '.'),
        table(['Instance', 'State', 'Differences'], instances.map(i => {
          const d = drift[i.id];
          const state = d === undefined ? 'unreachable' : d.length ? 'drifted' : 'in-sync';
          return h('tr', { 'data-instance': i.id, 'data-drift': state },
            h('td', {}, h('a', { href: `#/instance/${encodeURIComponent(i.id)}/keys` }, i.name)),
            h('td', {}, badge(state, d === undefined ? 'did not answer' : undefined)),
            h('td', {}, d === undefined ? h('span', { class: 'muted' }, 'did not answer')
              : d.length === 0 ? h('span', { class: 'muted' }, 'none')
                : h('ul', { class: 'diffs' }, d.map(x => h('li', {},
                  h('code', {}, x.key), ': ', x.exists ? h('span', { class: 'actual' }, JSON.stringify(x.actual)) : h('em', {}, 'missing'),
                  ' \u2192 ', h('span', { class: 'desired' }, JSON.stringify(x.desired)),
                  h('span', { class: 'muted' }, ` (pinned by ${forest.name(x.lockedBy)})`))))));
        }), 'drift-table'));
    } catch (e) {
      body.replaceChildren(h('p', { class: 'error' }, e.message));
      showError(e, `Drift of ${cluster.name}`);
    }
  }
  load();
  return el;
}
