// The forest: clusters nested to any depth with their instances, each with its status and last-seen time.
// Collapse/expand (kept in localStorage), search by name, an actions menu per node and drag and drop to move.
import { h, badge, relTime, popupMenu } from './ui.js';

const COLLAPSED_KEY = 'clusterd.collapsed';

/** An index over GET /api/tree: nodes by id, parents, names. */
export class Forest {
  constructor(roots) {
    this.roots = roots;
    this.byId = new Map();
    const walk = (n, parent) => {
      this.byId.set(n.id, n);
      n.parent = parent ? parent.id : null;
      (n.children || []).forEach(c => walk(c, n));
    };
    roots.forEach(r => walk(r, null));
  }

  get(id) { return this.byId.get(id); }

  name(id) { const n = this.byId.get(id); return n ? n.name : id; }

  /** The ids from the root down to (not including) id. */
  ancestors(id) {
    const out = [];
    for (let n = this.get(id); n && n.parent; n = this.get(n.parent)) out.unshift(n.parent);
    return out;
  }

  /** Every instance at or below a node. */
  instancesBelow(id) {
    const n = this.get(id);
    if (!n) return [];
    if (n.type === 'instance') return [n];
    return (n.children || []).flatMap(c => this.instancesBelow(c.id));
  }

  clusters() { return [...this.byId.values()].filter(n => n.type === 'cluster'); }

  /** Whether id is node or somewhere below it. */
  isAtOrBelow(id, node) {
    for (let n = this.get(id); n; n = this.get(n.parent)) if (n.id === node) return true;
    return false;
  }

  counts() {
    const c = { instances: 0, clusters: 0, status: {} };
    for (const n of this.byId.values()) {
      if (n.type === 'cluster') c.clusters++;
      else { c.instances++; c.status[n.status] = (c.status[n.status] || 0) + 1; }
    }
    return c;
  }
}

const ORDER = ['unreachable', 'drifted', 'pending', 'unknown', 'in-sync'];

/** The worst status of the instances below a cluster (for its row), or null when it has none. */
export function worstStatus(instances) {
  const seen = new Set(instances.map(i => i.status));
  return ORDER.find(s => seen.has(s)) || null;
}

/**
 * The forest view in el. handlers: select(node), actions(node) -> menu items, move(nodeId, targetClusterId|null).
 */
export class ForestView {
  constructor(el, handlers) {
    this.el = el;
    this.handlers = handlers;
    this.collapsed = new Set(JSON.parse(localStorage.getItem(COLLAPSED_KEY) || '[]'));
    this.filter = '';
    this.selected = null;
    this.forest = new Forest([]);
    this.dragged = null;
  }

  setFilter(text) {
    this.filter = text.trim().toLowerCase();
    this.render();
  }

  select(id) {
    this.selected = id;
    if (id) this.forest.ancestors(id).forEach(a => this.collapsed.delete(a));
    this.render();
  }

  /** Shows a new forest; when only statuses and times changed, patches them in place (no focus or drag lost). */
  update(forest) {
    const shape = JSON.stringify(forest.roots, (k, v) => (k === 'status' || k === 'lastSeen' || k === 'statusDetail' ? undefined : v));
    const same = shape === this.shape;
    this.forest = forest;
    this.shape = shape;
    if (same) this.patch();
    else this.render();
  }

  patch() {
    for (const li of this.el.querySelectorAll('li[data-id]')) {
      const n = this.forest.get(li.dataset.id);
      const row = li.querySelector(':scope > .row');
      if (!n || !row) continue;
      const fresh = this.statusParts(n);
      row.querySelectorAll(':scope > .badge, :scope > .meta').forEach(e => e.remove());
      row.querySelector(':scope > .more').before(...fresh);
    }
  }

  /** The status badge and the last-seen time (instances) or the instance count and worst status (clusters). */
  statusParts(n) {
    if (n.type === 'cluster') {
      const below = this.forest.instancesBelow(n.id);
      const worst = worstStatus(below);
      return [h('span', { class: 'meta' }, `${below.length} instance${below.length === 1 ? '' : 's'}`),
        worst && worst !== 'in-sync' ? badge(worst, 'worst status below this cluster') : null].filter(Boolean);
    }
    return [badge(n.status, n.statusDetail || undefined),
      h('time', { class: 'meta', datetime: n.lastSeen || '', title: n.lastSeen ? 'last seen ' + n.lastSeen : 'not seen yet' },
        relTime(n.lastSeen))];
  }

  setAll(expanded) {
    this.collapsed = expanded ? new Set() : new Set(this.forest.clusters().map(c => c.id));
    this.save();
    this.render();
  }

  save() {
    localStorage.setItem(COLLAPSED_KEY, JSON.stringify([...this.collapsed]));
  }

  matches(n) {
    return !this.filter || n.name.toLowerCase().includes(this.filter) || n.id.toLowerCase().includes(this.filter);
  }

  /** Whether n or something below it matches the search. */
  visible(n) {
    return this.matches(n) || (n.children || []).some(c => this.visible(c));
  }

  render() {
    const focusedId = this.el.contains(document.activeElement) ? document.activeElement.closest('[data-id]')?.dataset.id : null;
    const focusedRole = document.activeElement?.dataset?.role;
    const roots = this.forest.roots.filter(n => this.visible(n));
    const list = h('ul', { class: 'forest', role: 'list' }, roots.map(n => this.renderNode(n)));
    const empty = roots.length === 0
      ? h('p', { class: 'muted' }, this.filter ? `Nothing matches "${this.filter}".` : 'No instances or clusters yet.') : null;
    const topDrop = h('div', { class: 'drop-top', 'data-drop': '', text: 'Drop here to move to the top level' });
    this.dropTarget(topDrop, null);
    this.el.replaceChildren(list, empty || '', topDrop);
    if (focusedId) {
      const again = this.el.querySelector(`[data-id="${CSS.escape(focusedId)}"] > .row [data-role="${focusedRole}"]`);
      if (again) again.focus();
    }
  }

  renderNode(n) {
    const isCluster = n.type === 'cluster';
    const kids = (n.children || []).filter(c => this.visible(c));
    const open = isCluster && (!this.collapsed.has(n.id) || (this.filter !== '' && kids.length > 0));
    const row = h('div', { class: 'row' + (this.selected === n.id ? ' selected' : ''), draggable: 'true' });
    if (isCluster) {
      row.append(h('button', { class: 'twisty', 'data-role': 'twisty', 'aria-expanded': String(open),
        'aria-label': (open ? 'Collapse ' : 'Expand ') + n.name, disabled: (n.children || []).length === 0,
        onclick: () => { open ? this.collapsed.add(n.id) : this.collapsed.delete(n.id); this.save(); this.render(); } },
      open ? '\u25be' : '\u25b8'));
    } else {
      row.append(h('span', { class: 'twisty-space', 'aria-hidden': 'true' }));
    }
    row.append(h('button', { class: 'name' + (this.matches(n) && this.filter ? ' match' : ''), 'data-role': 'name',
      'aria-current': this.selected === n.id ? 'true' : undefined,
      title: isCluster ? `cluster ${n.id}` : `instance ${n.id} at ${n.host}`,
      onclick: () => this.handlers.select(n) },
    h('span', { class: 'kind ' + n.type, 'aria-hidden': 'true' }, isCluster ? '\u25a3' : '\u25cf'),
    h('span', { class: 'label' }, n.name)));
    row.append(...this.statusParts(n));
    row.append(h('button', { class: 'more', 'data-role': 'more', 'aria-haspopup': 'menu', 'aria-expanded': 'false',
      'aria-label': 'Actions for ' + n.name, onclick: e => popupMenu(e.currentTarget, this.handlers.actions(n)) }, '\u22ef'));
    row.addEventListener('dragstart', e => {
      this.dragged = n.id;
      e.dataTransfer.setData('text/x-clusterd-node', n.id);
      e.dataTransfer.setData('text/plain', n.id);
      e.dataTransfer.effectAllowed = 'move';
      this.el.classList.add('dragging');
    });
    row.addEventListener('dragend', () => { this.dragged = null; this.el.classList.remove('dragging'); });
    if (isCluster) this.dropTarget(row, n.id);
    const li = h('li', { 'data-id': n.id, class: n.type }, row);
    if (open && kids.length) li.append(h('ul', { role: 'list' }, kids.map(c => this.renderNode(c))));
    return li;
  }

  /** Makes el accept dropped nodes, moving them under cluster target (null: top level). */
  dropTarget(el, target) {
    const allowed = () => this.dragged && this.dragged !== target
      && !(target && this.forest.isAtOrBelow(target, this.dragged))
      && (this.forest.get(this.dragged)?.parent ?? null) !== target;
    el.addEventListener('dragover', e => {
      if (allowed()) { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; el.classList.add('drop-ok'); }
    });
    el.addEventListener('dragleave', () => el.classList.remove('drop-ok'));
    el.addEventListener('drop', e => {
      e.preventDefault();
      el.classList.remove('drop-ok');
      const id = e.dataTransfer.getData('text/x-clusterd-node') || this.dragged;
      this.dragged = id;
      if (allowed()) this.handlers.move(id, target);
      this.dragged = null;
      this.el.classList.remove('dragging');
    });
  }
}
