// A node's key database as a lazily loaded tree with an editor for the selected key. On an instance, keys
// locked by a cluster are marked, name the locking cluster and cannot be edited there; on a cluster every
// write goes through the dry-run preview and shows the fan-out results (cluster.js).
import { request, splitKey, keyPath, nodeBase } from './api.js';
import { h, fill, showError, announce, openDialog, confirmDialog, field, table, lockIcon } from './ui.js';
import { validate, enumValues, hasChecks } from './validate.js';
import { previewAndApply, outcomeText } from './cluster.js';

const NAMESPACES = ['user:/', 'system:/', 'dir:/', 'spec:/'];

const isRoot = name => name.endsWith(':/');
const join = (parent, part) => (isRoot(parent) ? parent + part : parent + '/' + part);
const prefixOf = name => (isRoot(name) ? name : name + '/');
const label = name => (isRoot(name) ? name : splitKey(name).pop().replace(/\\(.)/g, '$1'));
const parentOf = name => {
  if (isRoot(name)) return null;
  const parts = splitKey(name);
  parts.pop();
  return parts.length === 1 ? parts[0] + '/' : parts.join('/');
};

/** The key database view of node (an instance or a cluster from the forest) in a new element. */
export function keysView(node, forest) {
  return new KeyBrowser(node, forest).el;
}

class KeyBrowser {
  constructor(node, forest) {
    this.node = node;
    this.forest = forest;
    this.cluster = node.type === 'cluster';
    this.base = nodeBase(node);
    this.keys = new Map(); // name -> {children: [names], hasChildren, exists, value, meta, loaded}
    this.locks = new Map(); // name -> locking cluster id (instances)
    this.pins = new Map(); // name -> pin (clusters)
    this.expanded = new Set(['user:/']);
    this.selected = null;
    this.treeEl = h('div', { class: 'key-tree', role: 'group', 'aria-label': 'Keys' });
    this.editorEl = h('section', { class: 'editor', 'aria-label': 'Selected key' },
      h('p', { class: 'muted' }, 'Select a key to see and edit its value and metadata.'));
    this.pinsEl = h('div', { class: 'pins' });
    const toolbar = h('div', { class: 'toolbar' },
      h('button', { id: 'new-key', onclick: () => this.newKey(this.selected || 'user:/') }, this.cluster ? 'Pin a new key\u2026' : 'New key\u2026'),
      h('button', { onclick: () => this.refresh(), 'aria-label': 'Reload keys' }, 'Reload'));
    this.el = h('div', { class: 'keys' + (this.cluster ? ' cluster-keys' : '') },
      this.cluster ? this.pinsEl : null, toolbar, h('div', { class: 'keys-split' }, this.treeEl, this.editorEl));
    this.start();
  }

  async start() {
    const first = this.cluster ? NAMESPACES : ['user:/'];
    await Promise.all([...first.map(ns => this.load(ns).catch(e => showError(e, `Loading ${ns} of ${this.node.name}`))),
      this.loadEffective()]);
    this.renderTree();
    this.renderPins();
  }

  url(route, name) {
    return `${this.base}/${route}/${keyPath(name)}`;
  }

  /** Looks a key up (preload=1) and records it and its direct children, taken from ls (children can be incomplete). */
  async load(name) {
    const body = await request('GET', this.url('kdb', name), { query: { preload: 1 } });
    const prefix = prefixOf(name);
    const below = (body.ls || []).filter(k => k.startsWith(prefix) && k !== name);
    const children = [];
    for (const k of below) {
      const child = join(name, splitKey(k.slice(prefix.length))[0]);
      if (!children.includes(child)) children.push(child);
    }
    const known = new Map((body.children || []).map(c => [c.path, c]));
    for (const child of children) {
      const c = known.get(child);
      const old = this.keys.get(child) || {};
      this.keys.set(child, { ...old, exists: (body.ls || []).includes(child),
        hasChildren: below.some(k => k.startsWith(prefixOf(child))),
        value: c ? c.value || '' : old.value, meta: c ? c.meta || {} : old.meta });
    }
    this.keys.set(name, { loaded: true, children, hasChildren: children.length > 0, exists: body.exists,
      value: body.value || '', meta: body.meta || {}, lockedBy: body.lockedBy });
    if (body.locks) {
      for (const k of [...this.locks.keys()]) if (k === name || k.startsWith(prefix)) this.locks.delete(k);
      Object.entries(body.locks).forEach(([k, c]) => this.locks.set(k, c));
    }
    if (body.pins) {
      for (const k of [...this.pins.keys()]) if (k === name || k.startsWith(prefix)) this.pins.delete(k);
      body.pins.forEach(p => this.pins.set(p.key, p));
    }
    return this.keys.get(name);
  }

  /** A cluster's pins in force, its own and those of the clusters above it, each with lockedBy. */
  async loadEffective() {
    if (!this.cluster) return;
    try {
      this.effective = await request('GET', `${this.base}/pins`);
    } catch (e) {
      showError(e, `Loading the pins of ${this.node.name}`);
    }
  }

  async refresh() {
    const selected = this.selected;
    const names = new Set([...this.expanded, ...(this.cluster ? NAMESPACES : [])]);
    if (selected) names.add(selected);
    await Promise.all([...[...names].map(n => this.load(n).catch(e => showError(e, `Loading ${n}`))), this.loadEffective()]);
    this.renderTree();
    this.renderPins();
    // another key selected meanwhile has rendered its own editor (and the user may be typing in it)
    if (selected && this.selected === selected) this.renderEditor();
  }

  async toggle(name) {
    if (this.expanded.has(name)) {
      this.expanded.delete(name);
    } else {
      this.expanded.add(name);
      if (!this.keys.get(name)?.loaded) {
        try { await this.load(name); } catch (e) { showError(e, `Loading ${name}`); }
      }
    }
    this.renderTree(name);
  }

  async select(name) {
    this.selected = name;
    this.renderTree(name);
    try {
      await this.load(name);
    } catch (e) {
      showError(e, `Loading ${name}`);
    }
    this.renderEditor();
    if (window.matchMedia('(max-width: 760px)').matches) this.editorEl.scrollIntoView({ block: 'start' });
  }

  renderTree(focus) {
    const list = h('ul', { role: 'list' }, NAMESPACES.map(ns => this.renderKey(ns)));
    this.treeEl.replaceChildren(list);
    if (focus) this.treeEl.querySelector(`[data-key="${CSS.escape(focus)}"] > .row .name`)?.focus();
  }

  renderKey(name) {
    const k = this.keys.get(name) || { hasChildren: isRoot(name) };
    const open = this.expanded.has(name) && k.loaded;
    const lock = this.locks.get(name);
    const row = h('div', { class: 'row' + (this.selected === name ? ' selected' : '') },
      k.hasChildren || (isRoot(name) && !k.loaded)
        ? h('button', { class: 'twisty', 'aria-expanded': String(open), 'aria-label': (open ? 'Collapse ' : 'Expand ') + name,
          onclick: () => this.toggle(name) }, open ? '\u25be' : '\u25b8')
        : h('span', { class: 'twisty-space', 'aria-hidden': 'true' }),
      h('button', { class: 'name' + (k.exists === false && !isRoot(name) ? ' virtual' : ''), 'aria-current': this.selected === name ? 'true' : undefined,
        title: name, onclick: () => this.select(name) }, label(name)),
      k.exists && k.value !== undefined && k.value !== '' ? h('span', { class: 'value-preview' }, k.value) : null,
      lock ? h('span', { class: 'lock' }, lockIcon(`locked by cluster ${this.forest.name(lock)}`)) : null,
      this.cluster && this.pins.has(name) ? h('span', { class: 'pin-mark', title: 'pinned here' }, 'pinned') : null);
    const li = h('li', { 'data-key': name }, row);
    if (open && k.children.length) li.append(h('ul', { role: 'list' }, k.children.map(c => this.renderKey(c))));
    return li;
  }

  /** The cluster's own pins, then those it inherits, each inherited one with the cluster that locks it. */
  renderPins() {
    if (!this.cluster) return;
    const own = [...this.pins.values()];
    const inherited = (this.effective || []).filter(p => p.lockedBy !== this.node.id && !this.pins.has(p.key));
    const heading = inherited.length ? `Pinned keys (${own.length} own, ${inherited.length} inherited)` : `Pinned keys (${own.length})`;
    const meta = p => Object.entries(p.meta || {}).map(([m, v]) => `${m}=${v}`).join(', ');
    const rows = [
      ...own.map(p => h('tr', { 'data-pin': p.key, 'data-inherited': 'false' },
        h('td', {}, h('button', { class: 'link', onclick: () => this.reveal(p.key) }, p.key)),
        h('td', { class: 'value' }, p.value),
        h('td', { class: 'muted' }, meta(p)),
        h('td', { class: 'locked-by muted' }, 'this cluster'))),
      ...inherited.map(p => h('tr', { 'data-pin': p.key, 'data-inherited': 'true', 'data-locked-by': p.lockedBy },
        h('td', {}, h('code', {}, p.key)),
        h('td', { class: 'value' }, p.value),
        h('td', { class: 'muted' }, meta(p)),
        h('td', { class: 'locked-by' }, lockIcon(`locked by cluster ${this.forest.name(p.lockedBy)}`), ' ',
          h('a', { href: `#/cluster/${encodeURIComponent(p.lockedBy)}/keys`, class: 'lock-link' }, this.forest.name(p.lockedBy))))),
    ];
    fill(this.pinsEl, h('h3', {}, heading),
      rows.length === 0
        ? h('p', { class: 'muted' }, 'No keys are pinned on this cluster yet. Pinned keys are applied to every instance below it and locked there.')
        : table(['Key', 'Value', 'Metadata', 'Locked by'], rows, 'pins-table'),
      own.length === 0 && inherited.length ? h('p', { class: 'muted' }, 'No keys are pinned on this cluster itself.') : null);
  }

  /** Expands the ancestors of name and selects it. */
  async reveal(name) {
    const chain = [];
    for (let p = parentOf(name); p; p = parentOf(p)) chain.unshift(p);
    for (const p of chain) {
      this.expanded.add(p);
      if (!this.keys.get(p)?.loaded) await this.load(p).catch(e => showError(e, `Loading ${p}`));
    }
    await this.select(name);
  }

  /**
   * Sends a write: straight to an instance, through preview and fan-out results on a cluster (plan: the dry run's
   * answer when it was already asked for).
   */
  async write(title, method, route, name, opts = {}, plan = null) {
    const url = this.url(route, name);
    try {
      let answer = null;
      if (this.cluster) {
        answer = await previewAndApply({ title, forest: this.forest, plan, cluster: this.node.id,
          send: query => request(method, url, { ...opts, query }) });
        if (!answer) return false;
      } else {
        await request(method, url, opts);
      }
      announce(`${title}: ${outcomeText(answer)}`);
      return true;
    } catch (e) {
      showError(e, title);
      return false;
    } finally {
      await this.refresh();
    }
  }

  /** Whether writes to name (or, for recursive writes, below it) are refused here because a cluster locks it. */
  lockOf(name, recursive) {
    if (this.cluster) return null;
    if (this.locks.has(name)) return this.locks.get(name);
    if (recursive) for (const [k, c] of this.locks) if (k.startsWith(prefixOf(name))) return c;
    return null;
  }

  renderEditor() {
    const name = this.selected;
    const k = this.keys.get(name) || {};
    const meta = k.meta || {};
    const lock = this.lockOf(name, false);
    const lockBelow = this.lockOf(name, true);
    const ed = this.editorEl;
    const err = h('p', { class: 'field-error', id: 'value-error', 'aria-live': 'polite' });
    const allowed = enumValues(meta);
    const input = h('input', { id: 'key-value', type: 'text', value: k.value || '', disabled: !!lock, autocomplete: 'off',
      list: allowed ? 'enum-values' : undefined, 'aria-describedby': 'value-error', spellcheck: 'false' });
    const save = h('button', { id: 'key-save', class: 'primary', type: 'submit', disabled: !!lock }, k.exists ? 'Save value' : 'Create key');
    const check = () => {
      const msg = validate(input.value, meta);
      err.textContent = msg ? `Value ${msg}.` : '';
      input.setAttribute('aria-invalid', String(!!msg));
      save.disabled = !!lock || !!msg;
      return !msg;
    };
    input.addEventListener('input', check);
    const submit = async e => {
      e.preventDefault();
      if (lock || !check()) return;
      await this.write(`${this.cluster ? 'Pin' : 'Set'} ${name} on ${this.node.name}`, 'PUT', 'kdb', name, { text: input.value });
    };
    const valueForm = h('form', { class: 'value-form', onsubmit: submit },
      h('label', { for: 'key-value' }, 'Value'),
      h('div', { class: 'inline' }, input, save),
      allowed ? h('datalist', { id: 'enum-values' }, allowed.map(v => h('option', { value: v }))) : null,
      err,
      hasChecks(meta) ? h('small', { class: 'muted' }, 'Checked against ', Object.keys(meta).filter(m => m.startsWith('check/')).join(', '), ' before sending.') : null);
    fill(ed,
      h('h3', { class: 'key-name' }, h('code', {}, name)),
      lock ? h('p', { class: 'lock-banner', role: 'note' }, lockIcon(), ' Locked by cluster ',
        h('a', { href: `#/cluster/${encodeURIComponent(lock)}/keys`, class: 'lock-link', 'data-cluster': lock }, this.forest.name(lock)),
        ': change it on that cluster; it cannot be edited on this instance.') : null,
      !lock && lockBelow ? h('p', { class: 'lock-banner' }, lockIcon(), ' Keys below are locked by cluster ',
        h('a', { href: `#/cluster/${encodeURIComponent(lockBelow)}/keys` }, this.forest.name(lockBelow)), ': it cannot be deleted or moved here.') : null,
      k.exists === false ? h('p', { class: 'muted' }, isRoot(name) ? 'Namespace root.' : this.cluster ? 'Not pinned here (only keys below it are).' : 'This key does not exist; only keys below it do.') : null,
      isRoot(name) ? null : valueForm,
      isRoot(name) ? null : this.metaView(name, meta, !!lock),
      h('div', { class: 'key-actions' },
        h('button', { onclick: () => this.newKey(name) }, 'New key below\u2026'),
        isRoot(name) ? null : h('button', { disabled: !!lockBelow, onclick: () => this.moveOrCopy(name, 'kdbMv') }, 'Rename / move\u2026'),
        isRoot(name) ? null : h('button', { onclick: () => this.moveOrCopy(name, 'kdbCp') }, 'Copy\u2026'),
        isRoot(name) ? null : h('button', { class: 'danger', disabled: !!lockBelow, onclick: () => this.remove(name) }, this.cluster ? 'Unpin\u2026' : 'Delete\u2026')));
    check();
  }

  metaView(name, meta, locked) {
    const rows = Object.entries(meta).map(([m, v]) => {
      const input = h('input', { type: 'text', value: v, disabled: locked, 'aria-label': `Value of metadata ${m}` });
      return h('tr', { 'data-meta': m },
        h('td', {}, h('code', {}, m)),
        h('td', {}, input),
        h('td', { class: 'actions' },
          h('button', { disabled: locked, 'aria-label': `Save metadata ${m}`, onclick: () =>
            this.write(`Set metadata ${m} of ${name}`, 'POST', 'kdbMeta', name, { json: { key: m, value: input.value } }) }, 'Save'),
          h('button', { class: 'danger', disabled: locked, 'aria-label': `Remove metadata ${m}`, onclick: () =>
            this.write(`Remove metadata ${m} of ${name}`, 'DELETE', 'kdbMeta', name, { json: { key: m } }) }, 'Remove')));
    });
    const newName = h('input', { type: 'text', placeholder: 'check/type', 'aria-label': 'New metadata name', disabled: locked, list: 'meta-names' });
    const newValue = h('input', { type: 'text', placeholder: 'long', 'aria-label': 'New metadata value', disabled: locked });
    const add = h('button', { disabled: locked, onclick: () => {
      if (!newName.value.trim()) { showError(new Error('give the metadata name, e.g. check/type')); return; }
      this.write(`Set metadata ${newName.value.trim()} of ${name}`, 'POST', 'kdbMeta', name, { json: { key: newName.value.trim(), value: newValue.value } });
    } }, 'Add');
    rows.push(h('tr', { class: 'add-meta' }, h('td', {}, newName), h('td', {}, newValue), h('td', { class: 'actions' }, add)));
    return h('div', { class: 'meta' }, h('h4', {}, 'Metadata'),
      h('table', { class: 'meta-table' }, h('thead', {}, h('tr', {}, ['Name', 'Value', ''].map(x => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows)),
      h('datalist', { id: 'meta-names' }, ['check/type', 'check/enum', 'check/range', 'description', 'default'].map(v => h('option', { value: v }))));
  }

  async newKey(under) {
    const nameIn = h('input', { type: 'text', id: 'new-key-name', value: prefixOf(under), spellcheck: 'false', required: true });
    const valueIn = h('input', { type: 'text', id: 'new-key-value', spellcheck: 'false' });
    let name = null;
    let plan = null;
    // the request is sent from the dialog: a refusal (KEY_LOCKED, an invalid name, ...) is shown in it, input kept
    const chosen = await openDialog({ title: this.cluster ? `Pin a key on ${this.node.name}` : `New key on ${this.node.name}`,
      id: 'new-key-dialog', content: [field('Key name', nameIn, 'A full name like user:/app/port'), field('Value', valueIn)],
      actions: [{ label: this.cluster ? 'Preview\u2026' : 'Create', value: 'create', primary: true, run: async () => {
        name = nameIn.value.trim().replace(/\/+$/, '');
        if (!/^[a-z]+:\/./.test(name)) throw new Error('give a full key name below a namespace, e.g. user:/app/port');
        const query = this.cluster ? { dryRun: 'true' } : {};
        plan = await request('PUT', this.url('kdb', name), { text: valueIn.value, query });
      } }] });
    if (!chosen) return;
    for (let p = parentOf(name); p; p = parentOf(p)) this.expanded.add(p);
    const title = `${this.cluster ? 'Pin' : 'Create'} ${name} on ${this.node.name}`;
    if (!this.cluster) {
      announce(`${title}: done`);
      await this.refresh();
      await this.reveal(name);
    } else if (await this.write(title, 'PUT', 'kdb', name, { text: valueIn.value }, plan)) {
      await this.reveal(name);
    }
  }

  async moveOrCopy(name, route) {
    const verb = route === 'kdbMv' ? 'Move' : 'Copy';
    const target = h('input', { type: 'text', id: 'target-key-name', value: name, spellcheck: 'false' });
    const chosen = await openDialog({ title: `${verb} ${name}`, content: [field('New name', target, 'The key and every key below it are ' + (route === 'kdbMv' ? 'moved.' : 'copied.'))],
      actions: [{ label: verb, value: 'go', primary: true }] });
    const to = target.value.trim();
    if (!chosen || !to || to === name) return;
    if (await this.write(`${verb} ${name} to ${to} on ${this.node.name}`, 'POST', route, name, { text: to })) await this.reveal(to);
  }

  async remove(name) {
    const k = this.keys.get(name) || {};
    const text = k.hasChildren ? `${name} and every key below it will be deleted.` : `${name} will be deleted.`;
    if (!this.cluster && !(await confirmDialog(`Delete ${name}?`, text, 'Delete', true))) return;
    if (await this.write(`${this.cluster ? 'Unpin' : 'Delete'} ${name} on ${this.node.name}`, 'DELETE', 'kdb', name)) {
      this.selected = parentOf(name);
      await this.refresh();
    }
  }
}
