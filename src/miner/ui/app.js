/* global document */
// The page only calls the local toolkit API; every rule runs on the server side.
const $ = (id) => document.getElementById(id);
let verdicts = new Map();

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const data = await res.json();
  if (!res.ok) throw new Error(`${data.error}: ${data.message}`);
  return data;
}

function status(text, isError = false) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

function cell(tr, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  tr.appendChild(td);
  return td;
}

function render(state) {
  $('hotkey').textContent = state.hotkey;
  $('netuid').textContent = String(state.netuid);
  $('commitment').textContent = state.commitment ?? 'none yet';
  if (state.gist_id && !$('gist-id').value) $('gist-id').value = state.gist_id;
  $('sign').disabled = !state.can_sign;
  $('save').disabled = !state.can_save;
  $('upload').disabled = !state.can_upload;
  const body = $('lines');
  body.replaceChildren();
  for (const l of state.lines) {
    const tr = document.createElement('tr');
    tr.dataset.line = String(l.line);
    const v = verdicts.get(l.line);
    cell(tr, String(l.line));
    cell(tr, l.platform ?? '-');
    cell(tr, l.content_id ?? '-');
    cell(tr, l.direct_video_url ?? l.raw, 'url');
    cell(tr, l.signed ? 'yes' : 'no');
    cell(tr, l.reason ?? 'ok', l.reason ? 'rejected' : '');
    cell(tr, v ? v.verdict : '-', v ? `verdict ${v.verdict}` : 'verdict');
    cell(tr, v ? `${v.reason}${v.detail ? ` (${v.detail})` : ''}` : '', 'reason');
    const actions = cell(tr, '');
    if (l.content_id) {
      const edit = document.createElement('button');
      edit.textContent = 'Edit';
      edit.className = 'edit';
      edit.onclick = () => {
        $('edit-line').value = String(l.line);
        $('add-content-id').value = l.content_id;
        $('add-platform').value = l.platform;
        $('add-url').value = l.direct_video_url;
        $('add').textContent = `Update line ${l.line}`;
      };
      actions.appendChild(edit);
    }
    const remove = document.createElement('button');
    remove.textContent = 'Remove';
    remove.className = 'remove';
    remove.onclick = () => run(async () => render(await api('DELETE', `/api/lines/${l.line}`)), `removed line ${l.line}`);
    actions.appendChild(remove);
    body.appendChild(tr);
  }
}

async function run(work, done) {
  try {
    status('working…');
    const message = await work();
    status(typeof message === 'string' ? message : done);
  } catch (error) {
    status(String(error.message ?? error), true);
  }
}

$('load').onclick = () => run(async () => {
  verdicts = new Map();
  render(await api('POST', '/api/load', { gist_id: $('gist-id').value }));
}, 'gist loaded');

$('add').onclick = () => run(async () => {
  const fields = { content_id: $('add-content-id').value, platform: $('add-platform').value, direct_video_url: $('add-url').value };
  const editing = $('edit-line').value;
  render(await api(editing ? 'PUT' : 'POST', editing ? `/api/lines/${editing}` : '/api/lines', fields));
  $('edit-line').value = '';
  $('add').textContent = 'Add line';
}, 'line saved locally');

$('sign').onclick = () => run(async () => {
  const out = await api('POST', '/api/sign', {});
  render(out);
  return `${out.signed} line(s) signed, ${out.rejected} rejected`;
}, 'signed');

$('check').onclick = () => run(async () => {
  const report = await api('POST', '/api/check', {});
  verdicts = new Map(report.rows.map((r) => [r.line, r]));
  render(await api('GET', '/api/state'));
  const s = report.summary;
  $('summary').textContent = `${s.accepted} accepted, ${s.rejected} rejected, ${s.ignored} not checked — ${report.ok ? 'every line would be accepted' : 'some lines would not be accepted'}`;
}, 'checked');

$('save').onclick = () => run(async () => {
  const out = await api('POST', '/api/save', {});
  render(out);
  $('commit-command').textContent = `Commit it: ${out.commit_command}`;
}, 'gist saved');

$('upload').onclick = () => run(async () => {
  const file = $('upload-file').files[0];
  if (!file) throw new Error('choose a video file');
  const key = $('upload-key').value || file.name;
  const res = await fetch(`/api/upload?key=${encodeURIComponent(key)}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file });
  const data = await res.json();
  if (!res.ok) throw new Error(`${data.error}: ${data.message}`);
  $('add-url').value = data.url;
}, 'uploaded; the URL is in the form above');

run(async () => render(await api('GET', '/api/state')), '');
