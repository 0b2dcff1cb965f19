// The web client's entry point: loads the forest, keeps it fresh (GET /api/events; a slow poll only while that
// stream is down), routes #/instance/ID/tab and
// #/cluster/ID/tab to the detail views, and runs the structural actions (create, register, move, detach,
// rename, delete) and the sign-in. Uses only the public REST API (docs/http-api.md).
import { request, onAuthRequired, nodeBase } from './api.js';
import { h, fill, showError, announce, openDialog, confirmDialog, field, badge, relTime, popupMenu } from './ui.js';
import { Forest, ForestView, worstStatus } from './tree.js';
import { keysView } from './keys.js';
import { driftView } from './drift.js';
import { historyView } from './history.js';
import { previewAndApply, showResults, outcomeText } from './cluster.js';

/** The tree is polled this often only while the event stream is down (refused, or the daemon unreachable). */
const FALLBACK_POLL_MS = 15000;
/** A stream the daemon refused (401, 503) is tried again after this long; the browser retries other failures. */
const RESUBSCRIBE_MS = 10000;
const EVENT_TYPES = ['node.created', 'node.changed', 'node.removed', 'pin.changed', 'key.changed', 'status',
  'delivery', 'rollout', 'reset'];
const TABS = {
  instance: [['keys', 'Keys'], ['history', 'History'], ['settings', 'Settings']],
  cluster: [['keys', 'Pinned keys'], ['drift', 'Drift'], ['history', 'History'], ['settings', 'Settings']],
};

const els = {
  main: document.getElementById('main'),
  tree: document.getElementById('tree'),
  detail: document.getElementById('detail'),
  summary: document.getElementById('summary'),
  session: document.getElementById('session'),
  signin: document.getElementById('signin'),
  search: document.getElementById('search'),
};

let forest = new Forest([]);
let shown = { key: null, headJson: null };
let polling = null;
let stream = null;
let resubscribe = null;
let reloadQueued = false;
let staleWhileHidden = false;
let signingIn = false;
/** In demo mode the stand-ins by instance id ({port, running}); null otherwise, undefined until known. */
let demo;

const view = new ForestView(els.tree, {
  select: n => { location.hash = `#/${n.type}/${encodeURIComponent(n.id)}`; },
  actions: n => actionsFor(n),
  move: (id, target) => moveNode(id, target),
});

// ------------------------------------------------------------------------------------------ loading

async function loadTree() {
  try {
    const { tree } = await request('GET', '/api/tree');
    forest = new Forest(tree);
    if (demo === undefined) await loadDemo();
    view.update(forest);
    renderSummary();
    route();
  } catch (e) {
    if (e.i18n !== 'NEED_AUTHENTICATION') showError(e, 'Loading the tree');
  }
}

/** The demo routes exist only in demo mode: a 404 means a real deployment. */
async function loadDemo() {
  try {
    demo = (await request('GET', '/api/demo')).standIns;
  } catch (e) {
    demo = e.status === 404 ? null : undefined;
  }
}

/**
 * Subscribes to the daemon's live events: each change reloads the tree (several at once: one reload). While the
 * browser reconnects by itself (it resumes with Last-Event-ID) or the daemon refused the stream, a slow poll keeps
 * the tree fresh; an open stream stops it.
 */
function subscribe() {
  clearTimeout(resubscribe);
  if (stream) stream.close();
  stream = new EventSource('/api/events');
  stream.onopen = () => {
    stopPolling();
    document.body.dataset.live = 'events';
    reloadSoon();
  };
  for (const type of EVENT_TYPES) stream.addEventListener(type, reloadSoon);
  stream.onerror = () => {
    document.body.dataset.live = 'poll';
    startPolling();
    if (stream.readyState === EventSource.CLOSED && !signingIn) resubscribe = setTimeout(subscribe, RESUBSCRIBE_MS);
  };
}

function unsubscribe() {
  clearTimeout(resubscribe);
  if (stream) stream.close();
  stream = null;
}

function reloadSoon() {
  if (document.hidden) {
    staleWhileHidden = true;
    return;
  }
  if (reloadQueued) return;
  reloadQueued = true;
  setTimeout(() => {
    reloadQueued = false;
    if (!signingIn) loadTree();
  }, 50);
}

function startPolling() {
  if (polling) return;
  polling = setInterval(() => { if (!document.hidden && !signingIn) loadTree(); }, FALLBACK_POLL_MS);
}

function stopPolling() {
  clearInterval(polling);
  polling = null;
}

function renderSummary() {
  const c = forest.counts();
  const parts = Object.entries(c.status).sort().map(([s, n]) => h('span', { class: `badge ${s}`, 'data-status': s }, `${n} ${s}`));
  els.summary.replaceChildren(`${c.instances} instances \u00b7 ${c.clusters} clusters `, ...parts);
}

// ------------------------------------------------------------------------------------------ routing and detail

function parseHash() {
  const m = location.hash.match(/^#\/(instance|cluster)\/([^/]+)(?:\/([a-z]+))?/);
  return m ? { type: m[1], id: decodeURIComponent(m[2]), tab: m[3] } : null;
}

function route() {
  const r = parseHash();
  const node = r && forest.get(r.id);
  document.body.classList.toggle('has-selection', !!node);
  if (!r) {
    view.selected !== null && view.select(null);
    if (shown.key !== 'welcome') renderWelcome();
    return;
  }
  if (!node || node.type !== r.type) {
    if (forest.byId.size && shown.key !== 'missing:' + r.id) {
      shown = { key: 'missing:' + r.id };
      els.detail.replaceChildren(h('p', { class: 'error' }, `There is no ${r.type} with id '${r.id}' (any more).`));
    }
    return;
  }
  const tab = TABS[node.type].some(([t]) => t === r.tab) ? r.tab : 'keys';
  if (view.selected !== node.id) view.select(node.id);
  const key = `${node.type}:${node.id}:${tab}`;
  if (shown.key !== key) {
    renderDetail(node, tab);
    shown.key = key;
  } else {
    renderHead(node);
  }
}

function renderWelcome() {
  shown = { key: 'welcome' };
  const c = forest.counts();
  els.detail.replaceChildren(h('div', { class: 'welcome' },
    h('h2', {}, 'Configuration of all your Elektra hosts'),
    h('p', {}, `${c.instances} instances in ${c.clusters} clusters. Select an instance to browse and edit its keys, or a cluster to pin keys for every instance below it.`),
    h('ul', { class: 'status-list' }, Object.entries(c.status).map(([s, n]) => h('li', {}, badge(s), ` ${n} instance${n === 1 ? '' : 's'}`))),
    h('p', { class: 'muted' }, 'Drag a node onto a cluster, or use its \u22ef menu, to move it.')));
}

function renderDetail(node, tab) {
  const head = h('div', { class: 'detail-head' });
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': `${node.name} views` });
  const panel = h('div', { class: 'panel', role: 'tabpanel', id: 'panel', tabindex: '-1', 'aria-labelledby': `tab-${tab}` });
  TABS[node.type].forEach(([t, label], i, all) => {
    const b = h('button', { role: 'tab', id: `tab-${t}`, 'aria-selected': String(t === tab), 'aria-controls': 'panel',
      tabindex: t === tab ? '0' : '-1', onclick: () => { location.hash = `#/${node.type}/${encodeURIComponent(node.id)}/${t}`; } }, label);
    b.addEventListener('keydown', e => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (!d) return;
      const next = all[(i + d + all.length) % all.length][0];
      location.hash = `#/${node.type}/${encodeURIComponent(node.id)}/${next}`;
      setTimeout(() => document.getElementById(`tab-${next}`)?.focus());
    });
    tabs.append(b);
  });
  els.detail.replaceChildren(head, tabs, panel);
  shown.headEl = head;
  shown.headTitle = null;
  renderHead(node);
  if (tab === 'keys') panel.append(keysView(node, forest));
  else if (tab === 'drift') panel.append(driftView(node, forest));
  else if (tab === 'history') panel.append(historyView(node, forest));
  else panel.append(settingsView(node));
}

/** The detail head; on later polls only its facts (status, last seen, parent) are refreshed, keeping focus. */
function renderHead(node) {
  if (!shown.headEl) return;
  const title = JSON.stringify([node.type, node.id, node.name, node.description]);
  if (shown.headTitle !== title) {
    shown.headTitle = title;
    shown.headJson = null;
    shown.factsEl = h('p', { class: 'facts' });
    fill(shown.headEl,
      h('button', { class: 'back', onclick: () => { location.hash = '#/'; } }, '\u2190 All nodes'),
      h('h2', {}, h('span', { class: 'kind ' + node.type, 'aria-hidden': 'true' }, node.type === 'cluster' ? '\u25a3 ' : '\u25cf '),
        node.name, ' ', h('code', { class: 'node-id' }, node.id)),
      shown.factsEl,
      node.description ? h('p', { class: 'muted' }, node.description) : null,
      h('button', { class: 'more', 'aria-label': `Actions for ${node.name}`, 'aria-haspopup': 'menu', 'aria-expanded': 'false',
        onclick: e => popupMenu(e.currentTarget, actionsFor(forest.get(node.id) || node)) }, 'Actions \u25be'));
  }
  const json = JSON.stringify(node) + relTime(node.lastSeen);
  if (shown.headJson === json || shown.factsEl.contains(document.activeElement)) return;
  shown.headJson = json;
  const parent = node.parent ? forest.get(node.parent) : null;
  const where = parent
    ? h('span', { class: 'parent' }, 'in ', h('a', { href: `#/cluster/${encodeURIComponent(parent.id)}` }, parent.name))
    : h('span', { class: 'parent muted' }, 'top level');
  const below = node.type === 'cluster' ? forest.instancesBelow(node.id) : [];
  const worst = worstStatus(below);
  fill(shown.factsEl, node.type === 'instance'
    ? [h('span', { id: 'node-status' }, badge(node.status, node.statusDetail)),
      h('span', {}, 'last seen ', h('time', { datetime: node.lastSeen || '' }, relTime(node.lastSeen))),
      h('span', { class: 'host' }, node.host), where,
      node.statusDetail ? h('span', { class: 'muted status-detail' }, node.statusDetail) : null]
    : [h('span', { id: 'node-status' }, worst ? badge(worst, 'worst status below') : h('span', { class: 'muted' }, 'no instances')),
      h('span', {}, `${below.length} instance${below.length === 1 ? '' : 's'} below`), where]);
}

function settingsView(node) {
  const name = h('input', { type: 'text', id: 'settings-name', value: node.name, required: true });
  const description = h('input', { type: 'text', id: 'settings-description', value: node.description || '' });
  const host = node.type === 'instance' ? h('input', { type: 'url', id: 'settings-host', value: node.host }) : null;
  const save = h('button', { class: 'primary', type: 'submit' }, 'Save');
  const form = h('form', { class: 'settings', onsubmit: async e => {
    e.preventDefault();
    const body = { name: name.value, description: description.value };
    if (host) body.host = host.value;
    try {
      await request('PUT', nodeBase(node), { json: body });
      announce(`${name.value} saved`);
      shown.key = null;
      await loadTree();
    } catch (err) {
      showError(err, `Saving ${node.name}`);
    }
  } }, field('Name', name), field('Description', description), host ? field('Host (elektrad endpoint)', host) : null, save);
  return h('div', {}, form, h('div', { class: 'key-actions' }, actionsFor(node).slice(1).map(a =>
    h('button', { class: a.danger ? 'danger' : '', disabled: !!a.disabled, onclick: a.run }, a.label))));
}

// ------------------------------------------------------------------------------------------ structural actions

function actionsFor(n) {
  const items = [{ label: 'Open', run: () => { location.hash = `#/${n.type}/${encodeURIComponent(n.id)}`; } }];
  if (n.type === 'cluster') items.push({ label: 'New sub-cluster\u2026', run: () => createCluster(n.id) });
  items.push({ label: 'Move to\u2026', run: () => moveDialog(n) });
  if (n.parent) items.push({ label: `Detach from ${forest.name(n.parent)}`, run: () => detach(n) });
  items.push({ label: 'Rename\u2026', run: () => rename(n) });
  if (n.type === 'instance') items.push({ label: 'Retry now', run: () => retryNow(n) });
  const standIn = n.type === 'instance' && demo ? demo[n.id] : null;
  if (standIn) {
    items.push(standIn.running
      ? { label: 'Take stand-in down (demo)', run: () => switchStandIn(n, 'stop') }
      : { label: 'Bring stand-in back (demo)', run: () => switchStandIn(n, 'start') });
  }
  items.push({ label: n.type === 'cluster' ? 'Delete\u2026' : 'Unregister\u2026', danger: true, run: () => remove(n) });
  return items;
}

function clusterSelect(id, options, selected) {
  return h('select', { id }, options.map(([value, label]) => h('option', { value, selected: value === selected }, label)));
}

function indentedClusters(exclude) {
  const out = [];
  const walk = (n, depth) => {
    if (n.type !== 'cluster' || (exclude && forest.isAtOrBelow(n.id, exclude))) return;
    out.push([n.id, '\u00a0\u00a0'.repeat(depth) + n.name]);
    (n.children || []).forEach(c => walk(c, depth + 1));
  };
  forest.roots.forEach(r => walk(r, 0));
  return out;
}

async function createCluster(parent) {
  const name = h('input', { type: 'text', id: 'cluster-name', required: true });
  const id = h('input', { type: 'text', id: 'cluster-id', pattern: '[a-z0-9][a-z0-9._\\-]{0,62}', placeholder: 'from the name' });
  const parentSel = clusterSelect('cluster-parent', [['', '(top level)'], ...indentedClusters(null)], parent || '');
  let created = null;
  await openDialog({ title: 'New cluster', id: 'create-cluster-dialog',
    content: [field('Name', name), field('Id (optional)', id, 'lower-case letters, digits, . _ -; left empty, the name gives it (EU web: eu-web)'), field('Inside', parentSel)],
    actions: [{ label: 'Create', value: 'create', primary: true, run: async () => {
      const body = { name: name.value };
      if (id.value.trim()) body.id = id.value.trim();
      if (parentSel.value) body.parent = parentSel.value;
      created = await request('POST', '/api/clusters', { json: body });
    } }] });
  if (!created) return;
  announce(`Cluster ${created.name} created`);
  await loadTree();
  location.hash = `#/cluster/${encodeURIComponent(created.id)}`;
}

async function registerInstance() {
  const name = h('input', { type: 'text', id: 'instance-name', required: true });
  const host = h('input', { type: 'url', id: 'instance-host', placeholder: 'http://10.0.0.5:33333', required: true });
  const id = h('input', { type: 'text', id: 'instance-id', placeholder: 'generated' });
  const cluster = clusterSelect('instance-cluster', [['', '(none)'], ...indentedClusters(null)], '');
  let created = null;
  let joined = null;
  await openDialog({ title: 'Register an instance', id: 'register-dialog',
    content: [field('Name', name), field('Host', host, 'the elektrad endpoint of the host'), field('Id (optional)', id), field('Cluster', cluster)],
    actions: [{ label: 'Register', value: 'register', primary: true, run: async () => {
      const body = { name: name.value, host: host.value };
      if (id.value.trim()) body.id = id.value.trim();
      created = created || await request('POST', '/api/instances', { json: body });
      if (cluster.value) joined = await request('POST', `/api/clusters/${encodeURIComponent(cluster.value)}/instances`, { json: { instanceId: created.id } });
    } }] });
  if (!created) return;
  announce(`Instance ${created.name} registered`);
  if (joined && joined.fanOut && joined.fanOut.summary.total) await showResults(`${created.name} joined ${forest.name(cluster.value)}`, joined.fanOut, forest);
  await loadTree();
  location.hash = `#/instance/${encodeURIComponent(created.id)}`;
}

async function moveDialog(n) {
  const current = n.parent || '';
  const options = n.type === 'cluster'
    ? [['', '(top level)'], ...indentedClusters(n.id)]
    : [['', '(no cluster)'], ...indentedClusters(null)];
  const sel = clusterSelect('move-target', options, current);
  const chosen = await openDialog({ title: `Move ${n.name}`, id: 'move-dialog', content: [field('Into', sel)],
    actions: [{ label: 'Move\u2026', value: 'move', primary: true }] });
  if (chosen && sel.value !== current) await moveNode(n.id, sel.value || null);
}

/** Moves a node under target (null: top level), after a preview of what the instances would get. */
async function moveNode(id, target) {
  const n = forest.get(id);
  if (!n || (n.parent || null) === target) return;
  const where = target ? forest.name(target) : 'the top level';
  try {
    if (n.type === 'instance' && !target) {
      await detach(n);
      return;
    }
    const send = n.type === 'cluster'
      ? query => request('PUT', nodeBase(n), { json: { parent: target }, query })
      : query => request('POST', `/api/clusters/${encodeURIComponent(target)}/instances`, { json: { instanceId: id, move: true }, query });
    const answer = await previewAndApply({ title: `Move ${n.name} to ${where}`, forest, send });
    if (answer) announce(`${n.name} moved to ${where}: ${outcomeText(answer)}`);
  } catch (e) {
    showError(e, `Moving ${n.name} to ${where}`);
  }
  await loadTree();
}

async function detach(n) {
  const parent = forest.get(n.parent);
  if (!parent) return;
  if (!(await confirmDialog(`Detach ${n.name}?`, `${n.name} leaves ${parent.name}. Its keys stay on the instances; the locks of ${parent.name} no longer apply to it.`, 'Detach'))) return;
  try {
    await request('DELETE', `${nodeBase(parent)}/${n.type === 'cluster' ? 'clusters' : 'instances'}/${encodeURIComponent(n.id)}`);
    announce(`${n.name} detached from ${parent.name}`);
  } catch (e) {
    showError(e, `Detaching ${n.name}`);
  }
  await loadTree();
}

/** Delivers what waits for an instance and re-applies its pins now (POST /api/instances/{id}/sync). */
async function retryNow(n) {
  try {
    const answer = await request('POST', `${nodeBase(n)}/sync`);
    announce(`Retry ${n.name}: ${outcomeText(answer)}`);
  } catch (e) {
    showError(e, `Retrying ${n.name}`);
  }
  await loadTree();
}

/** Demo mode: takes an instance's stand-in down or brings it back. */
async function switchStandIn(n, action) {
  try {
    const s = await request('POST', `/api/demo/instances/${encodeURIComponent(n.id)}/${action}`);
    demo[n.id] = { ...demo[n.id], running: s.running };
    announce(`${n.name}: stand-in ${s.running ? 'back up' : 'down'}`);
  } catch (e) {
    showError(e, `Stand-in ${n.name}`);
  }
  await loadTree();
}

async function rename(n) {
  const name = h('input', { type: 'text', id: 'rename-name', value: n.name, required: true });
  const done = await openDialog({ title: `Rename ${n.name}`, id: 'rename-dialog', content: [field('New name', name)],
    actions: [{ label: 'Rename', value: 'rename', primary: true, run: () => request('PUT', nodeBase(n), { json: { name: name.value } }).then(() => 'renamed') }] });
  if (done) {
    shown.key = null;
    await loadTree();
  }
}

async function remove(n) {
  let ok;
  let cascade = '';
  if (n.type === 'instance') {
    ok = await confirmDialog(`Unregister ${n.name}?`, `${n.name} (${n.host}) is removed from clusterd. Nothing changes on the host.`, 'Unregister', true);
  } else if ((n.children || []).length === 0) {
    ok = await confirmDialog(`Delete cluster ${n.name}?`, `The cluster and its pinned keys are removed. The values stay on the instances.`, 'Delete', true);
  } else {
    const parentName = n.parent ? forest.name(n.parent) : 'the top level';
    const detachIn = h('input', { type: 'radio', name: 'cascade', value: 'detach', id: 'cascade-detach', checked: true });
    const deleteIn = h('input', { type: 'radio', name: 'cascade', value: 'delete', id: 'cascade-delete' });
    const count = forest.instancesBelow(n.id).length;
    ok = await openDialog({ title: `Delete cluster ${n.name}?`, id: 'delete-dialog', content: [
      h('p', {}, `${n.name} still has ${n.children.length} member${n.children.length === 1 ? '' : 's'} (${count} instance${count === 1 ? '' : 's'} below).`),
      h('fieldset', {}, h('legend', {}, 'What happens to its members?'),
        h('div', {}, detachIn, h('label', { for: 'cascade-detach' }, ` Hand them to ${parentName}`)),
        h('div', {}, deleteIn, h('label', { for: 'cascade-delete' }, ' Delete the whole subtree from clusterd (nothing changes on the hosts)')))],
    actions: [{ label: 'Delete', value: 'ok', danger: true, run: () => { cascade = deleteIn.checked ? 'delete' : 'detach'; return 'ok'; } }] }) === 'ok';
  }
  if (!ok) return;
  try {
    await request('DELETE', nodeBase(n), { query: cascade ? { cascade } : {} });
    announce(`${n.name} ${n.type === 'cluster' ? 'deleted' : 'unregistered'}`);
    if (parseHash()?.id === n.id) location.hash = '#/';
  } catch (e) {
    showError(e, `Deleting ${n.name}`);
  }
  await loadTree();
}

// ------------------------------------------------------------------------------------------ sign-in

function showSignIn(sessionEnded) {
  if (signingIn) return;
  signingIn = true;
  const token = h('input', { type: 'password', id: 'token', autocomplete: 'current-password', required: true });
  // the 401 that brought the form up speaks to API clients (curl): only a failed attempt is shown as an error
  const error = h('p', { class: 'field-error', role: 'alert' });
  els.signin.replaceChildren(h('form', { class: 'signin-form', onsubmit: async e => {
    e.preventDefault();
    try {
      const who = await request('POST', '/api/session', { json: { token: token.value } });
      sessionStorage.setItem('clusterd.user', `${who.name} (${who.role})`);
      signingIn = false;
      els.signin.hidden = true;
      els.main.hidden = false;
      renderSession();
      shown.key = null;
      await loadTree();
      subscribe();
    } catch (x) {
      error.textContent = x.message;
    }
  } }, h('h2', {}, 'Sign in'),
  sessionEnded ? h('p', { class: 'muted', id: 'session-ended' }, 'Your session has ended: sign in again.') : null,
  h('p', {}, 'This daemon needs a token. Ask its operator for one (a read or admin token).'),
  field('Token', token), error, h('button', { class: 'primary', type: 'submit' }, 'Sign in')));
  els.main.hidden = true;
  els.signin.hidden = false;
  token.focus();
}

function renderSession() {
  const user = sessionStorage.getItem('clusterd.user');
  fill(els.session,user ? h('span', {}, `Signed in as ${user} `) : '',
    user ? h('button', { class: 'link', onclick: async () => {
      try { await request('DELETE', '/api/session'); } catch (e) { showError(e, 'Signing out'); }
      sessionStorage.removeItem('clusterd.user');
      unsubscribe();
      renderSession();
      loadTree();
      subscribe();
    } }, 'Sign out') : '');
}

// ------------------------------------------------------------------------------------------ start

onAuthRequired(() => {
  const wasSignedIn = sessionStorage.getItem('clusterd.user') !== null;
  sessionStorage.removeItem('clusterd.user');
  renderSession();
  showSignIn(wasSignedIn);
});
window.addEventListener('hashchange', () => { route(); });
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && staleWhileHidden) {
    staleWhileHidden = false;
    reloadSoon();
  }
});
els.search.addEventListener('input', () => view.setFilter(els.search.value));
document.getElementById('new-cluster').addEventListener('click', () => createCluster(parseHash()?.type === 'cluster' ? parseHash().id : null));
document.getElementById('new-instance').addEventListener('click', () => registerInstance());
document.getElementById('expand-all').addEventListener('click', () => view.setAll(true));
document.getElementById('collapse-all').addEventListener('click', () => view.setAll(false));
window.addEventListener('unhandledrejection', e => showError(e.reason || new Error('unexpected error')));
renderSession();
loadTree();
subscribe();
