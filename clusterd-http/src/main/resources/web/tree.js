// The forest view: clusters nested to any depth with their instances and status; selecting a node shows
// its pins (cluster) or its effective pins with the locking cluster (instance). Uses only the public REST API.
const treeEl = document.getElementById('tree');
const detailEl = document.getElementById('detail');

async function api(path) {
  const res = await fetch(path, { credentials: 'same-origin' });
  const body = await res.json();
  if (body.error) throw new Error(body.error.message);
  return body;
}

function text(tag, content, cls) {
  const el = document.createElement(tag);
  el.textContent = content;
  if (cls) el.className = cls;
  return el;
}

function renderNode(node) {
  const li = document.createElement('li');
  const button = text('button', (node.type === 'cluster' ? '\u25B8 ' : '') + node.name, 'node');
  button.addEventListener('click', () => showDetail(node));
  li.append(button);
  if (node.type === 'instance') li.append(text('span', node.status, 'status ' + node.status));
  if (node.children && node.children.length) {
    const ul = document.createElement('ul');
    node.children.forEach(child => ul.append(renderNode(child)));
    li.append(ul);
  }
  return li;
}

async function showDetail(node) {
  detailEl.replaceChildren(text('h2', node.name + ' (' + node.type + ' ' + node.id + ')'));
  try {
    const rows = node.type === 'cluster'
      ? (await api('/api/clusters/' + encodeURIComponent(node.id) + '/kdb/user%3A')).pins
      : await api('/api/instances/' + encodeURIComponent(node.id) + '/pins');
    const table = document.createElement('table');
    table.append(headerRow(['key', 'value', node.type === 'cluster' ? '' : 'locked by']));
    rows.forEach(p => table.append(headerRow([p.key, p.value, p.lockedBy || ''], 'td')));
    detailEl.append(text('h3', node.type === 'cluster' ? 'Pinned keys' : 'Effective pins'), table);
  } catch (e) {
    detailEl.append(text('p', e.message, 'error'));
  }
}

function headerRow(cells, tag = 'th') {
  const tr = document.createElement('tr');
  cells.forEach(c => tr.append(text(tag, c)));
  return tr;
}

async function load() {
  try {
    const { tree } = await api('/api/tree');
    const ul = document.createElement('ul');
    tree.forEach(n => ul.append(renderNode(n)));
    treeEl.replaceChildren(ul);
  } catch (e) {
    treeEl.replaceChildren(text('p', e.message, 'error'));
  }
}

load();
