// Small DOM helpers shared by the views: element builder, alerts, modal dialogs, popup menus, badges.

/** h('button', {class: 'x', onclick: fn, 'aria-label': 'y'}, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

/** Replaces el's children; null, undefined and false children are left out (as in h). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A small padlock icon (inline SVG, no emoji font needed). */
export function lockIcon(title) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', 'lock-icon');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title || 'locked');
  const t = document.createElementNS(ns, 'title');
  t.textContent = title || 'locked';
  const body = document.createElementNS(ns, 'rect');
  Object.entries({ x: 3, y: 7, width: 10, height: 8, rx: 1.5 }).forEach(([k, v]) => body.setAttribute(k, v));
  const shackle = document.createElementNS(ns, 'path');
  shackle.setAttribute('d', 'M5 7V5a3 3 0 0 1 6 0v2');
  shackle.setAttribute('fill', 'none');
  shackle.setAttribute('stroke', 'currentColor');
  shackle.setAttribute('stroke-width', '1.8');
  svg.append(t, body, shackle);
  return svg;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

let alertsEl;
let statusEl;

/**
 * Shows an error (an ApiError or any Error) in the page's alert area until dismissed. The same message again does
 * not stack: its banner moves to the end and counts how often it was shown.
 */
export function showError(err, context) {
  alertsEl ??= document.getElementById('alerts');
  const text = (context ? context + ': ' : '') + (err && err.message ? err.message : String(err));
  const code = err && err.i18n ? err.i18n : '';
  const same = [...alertsEl.children].find(a => a.dataset.text === text && a.dataset.i18n === code);
  if (same) {
    const count = Number(same.dataset.count) + 1;
    same.dataset.count = String(count);
    const badge = same.querySelector('.alert-count');
    badge.textContent = `\u00d7${count}`;
    badge.title = `shown ${count} times`;
    badge.hidden = false;
    alertsEl.append(same);
    return;
  }
  const item = h('div', { class: 'alert', 'data-i18n': code, 'data-text': text, 'data-count': '1' },
    h('span', { class: 'alert-text' }, text),
    h('span', { class: 'alert-count', hidden: true }),
    code ? h('code', { class: 'i18n' }, code) : null,
    h('button', { class: 'icon', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '\u00d7'));
  alertsEl.append(item);
  while (alertsEl.children.length > 4) alertsEl.firstChild.remove();
}

/** A short polite status message that fades after a few seconds. */
export function announce(text) {
  statusEl ??= document.getElementById('status');
  statusEl.textContent = text;
  statusEl.classList.add('visible');
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => statusEl.classList.remove('visible'), 4000);
}

/**
 * Opens a modal dialog. actions: [{label, value, primary, danger, run}]; run() may be async and its result
 * closes the dialog with that value; when it throws, the error is shown inside the dialog, which stays open.
 * Resolves with the chosen value, or null when cancelled (Escape or Cancel).
 */
export function openDialog({ title, content, actions = [], cancel = 'Cancel', wide = false, id }) {
  return new Promise(resolve => {
    const error = h('p', { class: 'dialog-error', role: 'alert' });
    const heading = h('h2', { id: 'dialog-title' }, title);
    const buttons = h('div', { class: 'dialog-actions' });
    const dlg = h('dialog', { class: wide ? 'wide' : '', 'aria-labelledby': 'dialog-title', id },
      h('form', { method: 'dialog', onsubmit: e => { e.preventDefault(); const p = actions.find(a => a.primary); if (p && !p.disabled) choose(p); } },
        heading, h('div', { class: 'dialog-body' }, content), error, buttons));
    let done = false;
    const finish = value => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      resolve(value);
    };
    async function choose(a) {
      if (!a.run) return finish(a.value);
      error.textContent = '';
      buttons.querySelectorAll('button').forEach(b => { b.disabled = true; });
      try {
        const result = await a.run();
        if (result !== KEEP_OPEN) finish(result === undefined ? a.value : result);
      } catch (e) {
        error.textContent = e.message + (e.i18n ? ` (${e.i18n})` : '');
        (e.conflicts || []).forEach(c => error.append(h('br'), c.message));
      } finally {
        buttons.querySelectorAll('button').forEach(b => { b.disabled = b.dataset.locked === 'true'; });
      }
    }
    for (const a of actions) {
      const b = h('button', { type: a.primary ? 'submit' : 'button', class: a.danger ? 'danger' : a.primary ? 'primary' : '',
        disabled: !!a.disabled, 'data-locked': a.disabled ? 'true' : 'false', 'data-action': a.value });
      b.textContent = a.label;
      if (!a.primary) b.addEventListener('click', () => choose(a));
      buttons.append(b);
    }
    if (cancel) buttons.append(h('button', { type: 'button', onclick: () => finish(null), 'data-action': 'cancel' }, cancel));
    dlg.addEventListener('cancel', e => { e.preventDefault(); finish(null); });
    document.body.append(dlg);
    dlg.showModal();
    const first = dlg.querySelector('input, select, textarea') || dlg.querySelector('.dialog-actions button:not([disabled])');
    if (first) first.focus();
  });
}

/** Returned by a dialog action's run() to keep the dialog open. */
export const KEEP_OPEN = Symbol('keep-open');

/** Asks a yes/no question; resolves true when confirmed. */
export async function confirmDialog(title, text, label = 'OK', danger = false) {
  return (await openDialog({ title, content: h('p', {}, text), actions: [{ label, value: 'ok', primary: !danger, danger }] })) === 'ok';
}

let openMenu = null;

/** A popup menu below anchor; items: [{label, run, disabled}]. Arrow keys move, Escape closes. */
export function popupMenu(anchor, items) {
  closeMenu();
  const list = h('div', { class: 'menu', role: 'menu', 'aria-label': anchor.getAttribute('aria-label') || 'Actions' });
  for (const item of items) {
    list.append(h('button', { role: 'menuitem', class: 'menuitem' + (item.danger ? ' danger' : ''), disabled: !!item.disabled,
      tabindex: '-1', onclick: () => { closeMenu(false); item.run(); } }, item.label));
  }
  const r = anchor.getBoundingClientRect();
  list.style.top = `${r.bottom + window.scrollY + 2}px`;
  list.style.left = `${Math.max(4, Math.min(r.left + window.scrollX, window.innerWidth - 220))}px`;
  list.addEventListener('keydown', e => {
    const enabled = [...list.querySelectorAll('[role=menuitem]:not([disabled])')];
    const i = enabled.indexOf(document.activeElement);
    if (e.key === 'ArrowDown') { enabled[(i + 1) % enabled.length].focus(); e.preventDefault(); }
    else if (e.key === 'ArrowUp') { enabled[(i - 1 + enabled.length) % enabled.length].focus(); e.preventDefault(); }
    else if (e.key === 'Home') { enabled[0].focus(); e.preventDefault(); }
    else if (e.key === 'End') { enabled[enabled.length - 1].focus(); e.preventDefault(); }
    else if (e.key === 'Escape' || e.key === 'Tab') { closeMenu(true); e.preventDefault(); }
  });
  document.body.append(list);
  anchor.setAttribute('aria-expanded', 'true');
  openMenu = { list, anchor };
  const first = list.querySelector('[role=menuitem]:not([disabled])');
  if (first) first.focus();
  setTimeout(() => document.addEventListener('click', outside, true));
}

function outside(e) {
  if (openMenu && !openMenu.list.contains(e.target)) closeMenu(false);
}

function closeMenu(refocus) {
  if (!openMenu) return;
  document.removeEventListener('click', outside, true);
  openMenu.list.remove();
  openMenu.anchor.setAttribute('aria-expanded', 'false');
  if (refocus) openMenu.anchor.focus();
  openMenu = null;
}

/** "12 s ago" for an ISO time, or "never". */
export function relTime(iso) {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toLocaleString();
}

/** A status badge: in-sync, drifted, pending, unreachable, unknown (text defaults to the status). */
export function badge(status, title, text) {
  return h('span', { class: `badge ${status}`, title: title || undefined, 'data-status': status }, text || status);
}

/** A labelled form field; returns the wrapper, the control is the given element. */
export function field(label, control, hint) {
  const id = control.id || (control.id = 'f-' + Math.random().toString(36).slice(2, 9));
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', {}, hint) : null);
}

/** A table from a header row and rows of cells (nodes or text). */
export function table(headers, rows, cls) {
  return h('table', { class: cls || '' },
    h('thead', {}, h('tr', {}, headers.map(x => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map(r => r instanceof Node ? r : h('tr', {}, r.map(c => h('td', {}, c))))));
}
