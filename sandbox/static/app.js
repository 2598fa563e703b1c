// 诉求 sandbox chat page: plain JS over the sandbox control API (/sandbox/api).
// User text is always inserted as text nodes; bot formatting is rebuilt from entities.
"use strict";

const API = "/sandbox/api";
const S = {
  chats: [], users: [], bot: null, chatId: null, identity: null,
  messages: new Map(), seq: 0, gen: 0, replyTo: null, editing: null,
};
const $ = (id) => document.getElementById(id);
const ROLE = { creator: "群主", administrator: "管理员", member: "成员", left: "已退出", kicked: "已移出" };
const COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

async function api(method, path, body) {
  const res = await fetch(API + path, {
    method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
  return data;
}

function toast(text, ms = 2600) {
  const t = $("toast");
  t.textContent = text;
  t.classList.remove("hidden");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.add("hidden"), ms);
}

function fullName(u) { return [u.first_name, u.last_name].filter(Boolean).join(" "); }
function avatar(u) {
  const el = document.createElement("div");
  el.className = "avatar";
  el.style.background = u.is_bot ? "#2f80ed" : COLORS[Math.abs(u.id) % COLORS.length];
  el.textContent = (u.first_name || "?").slice(0, 1);
  return el;
}
function currentChat() { return S.chats.find((c) => c.id === S.chatId) || null; }
function chatTitle(c) {
  if (c.type === "private") return `${fullName(c)} · 与机器人私聊`;
  return c.title + (c.migrate_to_chat_id ? "（已升级）" : "");
}
const KIND = { supergroup: "超级群", group: "普通群", private: "私聊" };
function botInChat(chat) {
  if (!chat || !S.bot) return false;
  const m = chat.members.find((x) => x.user.id === S.bot.id);
  return !!m && ["member", "administrator"].includes(m.status);
}

// ---------- sidebar ----------
async function refreshChats() {
  const [chats, users] = await Promise.all([api("GET", "/chats"), api("GET", "/users")]);
  S.chats = chats.chats;
  S.users = users.users;
  if (S.chatId === null && S.chats.length) selectChat(S.chats[0].id);
  renderChats();
  renderMembers();
}

function renderChats() {
  const ul = $("chat-list");
  ul.replaceChildren();
  for (const c of S.chats) {
    const li = document.createElement("li");
    li.className = c.id === S.chatId ? "active" : "";
    li.dataset.chatId = c.id;
    const av = avatar({ id: c.id, first_name: chatTitle(c) });
    av.style.borderRadius = c.type === "private" ? "50%" : "10px";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = chatTitle(c);
    const n = document.createElement("span");
    n.className = "muted";
    n.textContent = `${c.members.filter((m) => !["left", "kicked"].includes(m.status)).length}人`;
    li.append(av, name, n);
    li.onclick = () => selectChat(c.id);
    ul.append(li);
  }
}

function renderMembers() {
  const chat = currentChat();
  const ul = $("member-list");
  ul.replaceChildren();
  const sel = $("identity");
  const keep = S.identity;
  sel.replaceChildren();
  $("chat-title").textContent = chat ? chatTitle(chat) : "请选择或新建一个群聊";
  $("chat-sub").textContent = chat ? `${KIND[chat.type]}${chat.is_forum ? "（话题）" : ""} · ID ${chat.id}` : "";
  $("migrate-btn").classList.toggle("hidden", !chat || chat.type !== "group" || !!chat.migrate_to_chat_id);
  if (!chat) return;
  for (const m of chat.members) {
    if (["left", "kicked"].includes(m.status)) continue;
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = fullName(m.user) + (m.user.username ? ` @${m.user.username}` : "");
    const role = document.createElement("span");
    role.className = "role " + (m.user.is_bot ? "bot" : m.status);
    role.textContent = m.user.is_bot ? (m.status === "administrator" ? "机器人·管理员" : "机器人") : ROLE[m.status];
    li.append(avatar(m.user), name, role);
    if (chat.type !== "private" && m.status !== "creator") li.append(memberActions(chat, m));
    if (!m.user.is_bot) {
      li.title = "点击切换为此身份";
      li.onclick = () => { S.identity = m.user.id; sel.value = String(m.user.id); saveState(); renderMessages(); };
      const opt = document.createElement("option");
      opt.value = m.user.id;
      opt.textContent = `${fullName(m.user)}（${ROLE[m.status]}）`;
      sel.append(opt);
    }
    ul.append(li);
  }
  const humans = chat.members.filter((m) => !m.user.is_bot && !["left", "kicked"].includes(m.status));
  if (humans.some((m) => m.user.id === keep)) S.identity = keep;
  else S.identity = humans.length ? humans[0].user.id : null;
  if (S.identity !== null) sel.value = String(S.identity);
  const hint = $("hint");
  if (chat.migrate_to_chat_id) {
    hint.textContent = `这个群已升级为超级群（新 ID ${chat.migrate_to_chat_id}），请到新群里继续聊天。`;
    hint.classList.remove("hidden");
  } else if (!botInChat(chat)) {
    hint.textContent = "机器人还不在这个群里：点左侧“添加机器人”把它拉进群。";
    hint.classList.remove("hidden");
  } else if (S.bot && !S.bot.can_read_all_group_messages &&
             !chat.members.some((m) => m.user.id === S.bot.id && m.status === "administrator")) {
    hint.textContent = "隐私模式已开启且机器人不是管理员：它只能看到命令、@它的消息和对它的回复。";
    hint.classList.remove("hidden");
  } else {
    hint.classList.add("hidden");
  }
}

function memberActions(chat, m) {
  const box = document.createElement("span");
  box.className = "member-actions";
  const act = (label, status, title) => {
    const b = document.createElement("button");
    b.textContent = label;
    b.title = title;
    b.onclick = async (e) => {
      e.stopPropagation();
      try {
        await api("POST", `/chats/${chat.id}/members`, { user_id: m.user.id, status });
        await refreshChats();
      } catch (err) { toast("操作失败：" + err.message); }
    };
    box.append(b);
  };
  if (m.status === "administrator") act("撤销管理员", "member", "降为普通成员");
  else act("设为管理员", "administrator", "由群主提升为管理员");
  act("移出", "kicked", "把此人移出群聊（封禁）");
  return box;
}

async function migrateChat() {
  const chat = currentChat();
  if (!chat) return;
  try {
    const { id } = await api("POST", `/chats/${chat.id}/migrate`, {});
    await refreshChats();
    selectChat(id);
    toast("已升级为超级群，群 ID 已改变");
  } catch (e) { toast("升级失败：" + e.message); }
}

async function startPrivate() {
  if (S.identity === null) return toast("请先选择当前身份");
  try {
    const { chat_id } = await api("POST", `/users/${S.identity}/start`, {});
    await refreshChats();
    selectChat(chat_id);
  } catch (e) { toast("私聊失败：" + e.message); }
}

async function vote(m, index) {
  if (S.identity === null) return toast("请先选择当前身份");
  try {
    await api("POST", `/polls/${m.poll.id}/answer`, { user_id: S.identity, option_ids: [index] });
  } catch (e) { toast("投票失败：" + e.message); }
}

function renderPoll(m) {
  const box = document.createElement("div");
  box.className = "poll";
  const q = document.createElement("div");
  q.className = "question";
  q.textContent = `📊 ${m.poll.question}`;
  box.append(q);
  m.poll.options.forEach((o, i) => {
    const b = document.createElement("button");
    const label = document.createElement("span");
    label.textContent = o.text;
    const count = document.createElement("span");
    count.className = "muted";
    count.textContent = `${o.voter_count} 票`;
    b.append(label, count);
    b.disabled = m.poll.is_closed;
    b.onclick = () => vote(m, i);
    box.append(b);
  });
  const meta = document.createElement("div");
  meta.className = "muted";
  meta.textContent = [m.poll.is_anonymous ? "匿名投票" : "公开投票", m.poll.is_closed ? "已结束" : "",
    `${m.poll.total_voter_count} 人已投`].filter(Boolean).join(" · ");
  box.append(meta);
  return box;
}

async function refreshBot() {
  try {
    S.bot = await api("GET", "/bot");
    const wh = S.bot.webhook;
    const el = $("bot-status");
    el.replaceChildren();
    const dot = document.createElement("span");
    const calls = S.bot.calls || {};
    const polling = (calls.getUpdates || 0) > 0;
    dot.className = "dot" + (wh || polling ? " on" : "");
    el.append(dot, document.createTextNode(
      `@${S.bot.username} · ${wh ? "Webhook" : polling ? "轮询中" : "未连接"} · 隐私模式${S.bot.can_read_all_group_messages ? "关" : "开"}` +
      ` · 待取更新 ${S.bot.pending_updates}`));
    $("privacy-toggle").checked = !S.bot.can_read_all_group_messages;
  } catch (e) {
    $("bot-status").textContent = "无法连接沙盒：" + e.message;
  }
}

function saveState() {
  localStorage.setItem("suqiu.chat", String(S.chatId));
  if (S.identity !== null) localStorage.setItem("suqiu.identity", String(S.identity));
  if (S.chatId !== null) history.replaceState(null, "", `#chat=${S.chatId}`);
}

function selectChat(id) {
  S.chatId = id;
  S.messages = new Map();
  S.seq = 0;
  S.replyTo = null;
  S.editing = null;
  updateReplyBar();
  saveState();
  renderChats();
  renderMembers();
  $("messages").replaceChildren();
  poll(++S.gen);
}

// ---------- live messages ----------
async function poll(gen) {
  while (gen === S.gen && S.chatId !== null) {
    try {
      const data = await api("GET", `/chats/${S.chatId}/messages?since_seq=${S.seq}&wait=25`);
      if (gen !== S.gen) return;
      for (const m of data.messages) S.messages.set(m.message_id, m);
      for (const id of data.deleted_ids || []) S.messages.delete(id);
      S.seq = Math.max(S.seq, data.seq || 0);
      if (data.messages.length || (data.deleted_ids || []).length) {
        renderMessages();
        if (data.messages.some((m) => m.new_chat_members || m.left_chat_member ||
            m.migrate_to_chat_id || m.forum_topic_created)) refreshChats();
      }
    } catch (e) {
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
}

function renderMessages() {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.replaceChildren();
  const ids = [...S.messages.keys()].sort((a, b) => a - b);
  for (const id of ids) box.append(renderMessage(S.messages.get(id)));
  if (atBottom || renderMessages.first !== S.chatId) box.scrollTop = box.scrollHeight;
  renderMessages.first = S.chatId;
}

function serviceText(m) {
  if (m.new_chat_members) return m.new_chat_members.map(fullName).join("、") + " 加入了群聊";
  if (m.left_chat_member) return fullName(m.left_chat_member) + " 离开了群聊";
  if (m.migrate_to_chat_id) return `群已升级为超级群（新 ID ${m.migrate_to_chat_id}）`;
  if (m.migrate_from_chat_id) return `由普通群 ${m.migrate_from_chat_id} 升级而来`;
  if (m.pinned_message) return `${fullName(m.from)} 置顶了一条消息：${snippet(m.pinned_message)}`;
  if (m.forum_topic_created) return `${fullName(m.from)} 创建了话题「${m.forum_topic_created.name}」`;
  return null;
}

function snippet(m) {
  if (m.text) return m.text.split("\n")[0];
  if (m.photo) return "[图片] " + (m.caption || "");
  if (m.location) return "[位置]";
  if (m.sticker) return `[贴纸 ${m.sticker.emoji || ""}]`;
  if (m.voice) return "[语音]";
  if (m.document) return `[文件] ${m.document.file_name || ""}`;
  if (m.poll) return `[投票] ${m.poll.question}`;
  return "[消息]";
}

function renderMessage(m) {
  const svc = serviceText(m);
  if (svc) {
    const d = document.createElement("div");
    d.className = "service";
    d.textContent = svc;
    return d;
  }
  const mine = m.from.id === S.identity;
  const row = document.createElement("div");
  row.className = "msg" + (mine ? " mine" : "") + (m.from.is_bot ? " bot" : "");
  row.id = `m${m.message_id}`;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  const sender = document.createElement("div");
  sender.className = "sender";
  sender.style.color = m.from.is_bot ? "#2f80ed" : COLORS[Math.abs(m.from.id) % COLORS.length];
  sender.textContent = fullName(m.from) + (m.from.is_bot ? " · 机器人" : "");
  bubble.append(sender);
  const chat = currentChat();
  if (m.message_thread_id && chat && chat.topics) {
    const t = chat.topics.find((x) => x.message_thread_id === m.message_thread_id);
    if (t) {
      const tl = document.createElement("div");
      tl.className = "topic";
      tl.textContent = `# ${t.name}`;
      bubble.append(tl);
    }
  }
  if (m.forward_origin) {
    const f = document.createElement("div");
    f.className = "muted";
    f.textContent = "转发自 " + ((m.forward_origin.chat && m.forward_origin.chat.title) || "频道");
    bubble.append(f);
  }
  if (m.reply_to_message) {
    const r = m.reply_to_message;
    const q = document.createElement("div");
    q.className = "quote";
    const qn = document.createElement("div");
    qn.className = "qname";
    qn.textContent = fullName(r.from);
    const qt = document.createElement("div");
    qt.className = "qtext";
    qt.textContent = snippet(r);
    q.append(qn, qt);
    q.onclick = () => {
      const target = $(`m${r.message_id}`);
      if (target) {
        target.scrollIntoView({ behavior: "smooth", block: "center" });
        target.classList.add("flash");
        setTimeout(() => target.classList.remove("flash"), 1200);
      }
    };
    bubble.append(q);
  }
  if (m.photo) {
    const img = document.createElement("img");
    img.className = "photo";
    img.alt = "图片";
    img.src = `${API}/files/${m.photo[m.photo.length - 1].file_id}`;
    bubble.append(img);
  }
  if (m.location) {
    const loc = document.createElement("div");
    loc.className = "location";
    loc.textContent = `📍 位置 ${m.location.latitude.toFixed(5)}, ${m.location.longitude.toFixed(5)}`;
    bubble.append(loc);
  }
  if (m.sticker) {
    const st = document.createElement("div");
    st.style.fontSize = "48px";
    st.textContent = m.sticker.emoji || "🖼";
    bubble.append(st);
  }
  if (m.document) {
    const d = document.createElement("a");
    d.className = "location";
    d.href = `${API}/files/${m.document.file_id}`;
    d.download = m.document.file_name || "file";
    d.textContent = `📄 ${m.document.file_name || "文件"}`;
    bubble.append(d);
  }
  if (m.poll) bubble.append(renderPoll(m));
  if (m.voice) {
    const v = document.createElement("div");
    v.className = "location";
    v.textContent = `🎤 语音 ${m.voice.duration || 0}″`;
    bubble.append(v);
  }
  const body = m.text !== undefined ? m.text : m.caption;
  if (body) {
    const t = document.createElement("div");
    t.className = "text";
    t.append(renderEntities(body, m.entities || m.caption_entities || []));
    bubble.append(t);
  }
  if (m.reply_markup && m.reply_markup.inline_keyboard) bubble.append(renderKeyboard(m));
  const reacts = Object.values(m.sandbox_reactions || {}).flat().map((r) => r.emoji).filter(Boolean);
  if (reacts.length) {
    const r = document.createElement("div");
    r.className = "reactions";
    r.textContent = reacts.join(" ");
    bubble.append(r);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  const time = new Date(m.date * 1000).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
  meta.textContent = (m.edit_date ? "已编辑 · " : "") + time;
  bubble.append(meta);
  const actions = document.createElement("div");
  actions.className = "actions";
  const rb = document.createElement("button");
  rb.textContent = "回复";
  rb.onclick = () => { S.replyTo = m; S.editing = null; updateReplyBar(); $("input").focus(); };
  actions.append(rb);
  if (mine && m.text !== undefined) {
    const eb = document.createElement("button");
    eb.textContent = "编辑";
    eb.onclick = () => { S.editing = m; S.replyTo = null; $("input").value = m.text; updateReplyBar(); $("input").focus(); };
    actions.append(eb);
  }
  bubble.append(actions);
  if (!mine) row.append(avatar(m.from));
  row.append(bubble);
  return row;
}

function renderKeyboard(m) {
  const kb = document.createElement("div");
  kb.className = "keyboard";
  for (const rowDef of m.reply_markup.inline_keyboard) {
    const row = document.createElement("div");
    row.className = "row";
    for (const b of rowDef) {
      const btn = document.createElement("button");
      btn.textContent = b.text;
      if (b.url) btn.onclick = () => window.open(b.url, "_blank", "noopener");
      else btn.onclick = () => press(m, b.callback_data, btn);
      row.append(btn);
    }
    kb.append(row);
  }
  return kb;
}

async function press(m, data, btn) {
  if (S.identity === null) return toast("请先选择当前身份");
  btn.disabled = true;
  try {
    const { callback_query_id } = await api("POST", `/chats/${S.chatId}/callback`,
      { from_id: S.identity, message_id: m.message_id, data });
    const ans = await api("GET", `/callbacks/${callback_query_id}?wait=8`);
    if (!ans.answered) toast("机器人没有响应这个按钮");
    else if (ans.text && ans.show_alert) { $("alert-text").textContent = ans.text; $("alert-dialog").showModal(); }
    else if (ans.text) toast(ans.text);
  } catch (e) {
    toast("操作失败：" + e.message);
  } finally {
    btn.disabled = false;
  }
}

// Entities use UTF-16 offsets, as JS strings do, so slicing by index is exact.
function renderEntities(text, entities) {
  const frag = document.createDocumentFragment();
  const points = new Set([0, text.length]);
  for (const e of entities) { points.add(e.offset); points.add(Math.min(text.length, e.offset + e.length)); }
  const cuts = [...points].sort((a, b) => a - b);
  for (let i = 0; i < cuts.length - 1; i++) {
    const [a, b] = [cuts[i], cuts[i + 1]];
    if (a >= b) continue;
    let node = document.createTextNode(text.slice(a, b));
    const active = entities.filter((e) => e.offset <= a && e.offset + e.length >= b);
    for (const e of active) node = wrap(node, e, text.slice(e.offset, e.offset + e.length));
    frag.append(node);
  }
  return frag;
}

function wrap(inner, e, whole) {
  const tags = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre", blockquote: "blockquote", expandable_blockquote: "blockquote" };
  let el;
  if (tags[e.type]) el = document.createElement(tags[e.type]);
  else if (e.type === "text_link" || e.type === "url") {
    el = document.createElement("a");
    el.href = e.type === "url" ? whole : e.url;
    el.target = "_blank";
    el.rel = "noopener";
  } else if (e.type === "mention" || e.type === "text_mention" || e.type === "hashtag") {
    el = document.createElement("span");
    el.className = "mention";
    if (e.user) el.title = `${fullName(e.user)} · 用户ID ${e.user.id}`;
  } else if (e.type === "bot_command") {
    el = document.createElement("span");
    el.className = "cmd";
    el.title = "点击填入输入框";
    el.onclick = () => { $("input").value = whole + " "; $("input").focus(); };
  } else if (e.type === "spoiler") {
    el = document.createElement("span");
    el.className = "spoiler";
    el.onclick = () => el.classList.toggle("open");
  } else {
    el = document.createElement("span");
  }
  el.append(inner);
  return el;
}

function updateReplyBar() {
  const bar = $("reply-bar");
  if (S.replyTo) {
    bar.querySelector(".reply-label").textContent = `回复 ${fullName(S.replyTo.from)}`;
    $("reply-preview").textContent = snippet(S.replyTo).slice(0, 60);
    bar.classList.remove("hidden");
  } else if (S.editing) {
    bar.querySelector(".reply-label").textContent = "编辑消息";
    $("reply-preview").textContent = snippet(S.editing).slice(0, 60);
    bar.classList.remove("hidden");
  } else {
    bar.classList.add("hidden");
  }
}

// ---------- sending ----------
async function send(extra) {
  if (S.chatId === null) return toast("请先新建或选择一个群聊");
  if (S.identity === null) return toast("请先添加成员并选择当前身份");
  const body = { from_id: S.identity, ...extra };
  if (S.replyTo) body.reply_to_message_id = S.replyTo.message_id;
  try {
    await api("POST", `/chats/${S.chatId}/messages`, body);
    S.replyTo = null;
    updateReplyBar();
  } catch (e) {
    toast("发送失败：" + e.message);
  }
}

async function submitText() {
  const input = $("input");
  const text = input.value;
  if (!text.trim()) return;
  if (S.editing) {
    try {
      await api("POST", `/chats/${S.chatId}/messages/${S.editing.message_id}/edit`, { text });
    } catch (e) { return toast("编辑失败：" + e.message); }
    S.editing = null;
    updateReplyBar();
  } else {
    await send({ text });
  }
  input.value = "";
  autoSize();
}

function autoSize() {
  const input = $("input");
  input.style.height = "auto";
  input.style.height = Math.min(160, input.scrollHeight) + "px";
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

// ---------- dialogs ----------
function fillPeople(select, withNone) {
  select.replaceChildren();
  if (withNone) {
    const o = document.createElement("option");
    o.value = "";
    o.textContent = withNone;
    select.append(o);
  }
  for (const u of S.users.filter((x) => !x.is_bot)) {
    const o = document.createElement("option");
    o.value = u.id;
    o.textContent = fullName(u) + (u.username ? ` @${u.username}` : "");
    select.append(o);
  }
}

function openChatDialog() {
  const dlg = $("chat-dialog");
  fillPeople(dlg.querySelector("[name=creator]"), "— 新建群主 —");
  dlg.returnValue = "";
  dlg.showModal();
}

async function onChatDialogClose() {
  const dlg = $("chat-dialog");
  if (dlg.returnValue !== "ok") return;
  const f = dlg.querySelector("form");
  try {
    let creator = f.creator.value ? Number(f.creator.value) : null;
    if (creator === null) {
      const name = f.new_owner.value.trim() || "群主";
      creator = (await api("POST", "/users", { first_name: name })).id;
    }
    const { id } = await api("POST", "/chats", { title: f.title.value.trim() || "新群聊", type: f.type.value, creator_id: creator });
    await api("POST", `/chats/${id}/members`, { user_id: S.bot.id, status: "member" });
    S.identity = creator;
    await refreshChats();
    selectChat(id);
    toast("群聊已创建，机器人已加入");
  } catch (e) { toast("创建失败：" + e.message); }
}

function openMemberDialog() {
  if (S.chatId === null) return toast("请先新建或选择一个群聊");
  const dlg = $("member-dialog");
  fillPeople(dlg.querySelector("[name=existing]"), "— 新建一个人 —");
  dlg.returnValue = "";
  dlg.showModal();
}

async function onMemberDialogClose() {
  const dlg = $("member-dialog");
  if (dlg.returnValue !== "ok") return;
  const f = dlg.querySelector("form");
  try {
    let uid = f.existing.value ? Number(f.existing.value) : null;
    if (uid === null) {
      if (!f.first_name.value.trim()) return toast("请填写名字");
      uid = (await api("POST", "/users", {
        first_name: f.first_name.value.trim(), last_name: f.last_name.value.trim() || null,
        username: f.username.value.trim() || null,
      })).id;
    }
    await api("POST", `/chats/${S.chatId}/members`, { user_id: uid, status: f.status.value });
    f.reset();
    await refreshChats();
  } catch (e) { toast("添加失败：" + e.message); }
}

async function addBot(status) {
  if (S.chatId === null) return toast("请先新建或选择一个群聊");
  try {
    await api("POST", `/chats/${S.chatId}/members`, { user_id: S.bot.id, status });
    await refreshChats();
    toast(status === "administrator" ? "机器人已设为管理员" : "机器人已加入群聊");
  } catch (e) { toast("操作失败：" + e.message); }
}

// ---------- wiring ----------
function init() {
  $("composer").addEventListener("submit", (e) => { e.preventDefault(); submitText(); });
  $("input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submitText(); }
  });
  $("input").addEventListener("input", autoSize);
  $("identity").addEventListener("change", (e) => { S.identity = Number(e.target.value); saveState(); renderMessages(); });
  $("reply-cancel").onclick = () => { S.replyTo = null; S.editing = null; updateReplyBar(); };
  $("new-chat-btn").onclick = openChatDialog;
  $("chat-dialog").addEventListener("close", onChatDialogClose);
  $("add-member-btn").onclick = openMemberDialog;
  $("member-dialog").addEventListener("close", onMemberDialogClose);
  $("add-bot-btn").onclick = () => addBot("member");
  $("add-bot-admin-btn").onclick = () => addBot("administrator");
  $("migrate-btn").onclick = migrateChat;
  $("private-btn").onclick = startPrivate;
  $("privacy-toggle").onchange = async (e) => {
    await api("POST", "/bot", { can_read_all_group_messages: !e.target.checked });
    await refreshBot();
    renderMembers();
  };
  $("photo-btn").onclick = () => $("photo-input").click();
  $("photo-input").onchange = async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const data = await readFile(file);
    const caption = $("input").value;
    await send({ photo_base64: data, caption: caption || undefined });
    $("input").value = "";
    e.target.value = "";
  };
  $("sample-photo-btn").onclick = async () => {
    const caption = $("input").value;
    await send({ photo: true, caption: caption || undefined });
    $("input").value = "";
  };
  $("location-btn").onclick = () => { $("location-dialog").returnValue = ""; $("location-dialog").showModal(); };
  $("location-dialog").addEventListener("close", async () => {
    const dlg = $("location-dialog");
    if (dlg.returnValue !== "ok") return;
    const f = dlg.querySelector("form");
    const lat = Number(f.lat.value), lon = Number(f.lon.value);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) return toast("请输入有效的经纬度");
    await send({ location: { latitude: lat, longitude: lon } });
  });

  const m = location.hash.match(/chat=(-?\d+)/);
  const saved = m ? Number(m[1]) : Number(localStorage.getItem("suqiu.chat"));
  const savedId = Number(localStorage.getItem("suqiu.identity"));
  if (savedId) S.identity = savedId;
  refreshBot().then(refreshChats).then(() => {
    if (saved && S.chats.some((c) => c.id === saved) && saved !== S.chatId) selectChat(saved);
  });
  window.addEventListener("hashchange", () => {
    const h = location.hash.match(/chat=(-?\d+)/);
    if (h && Number(h[1]) !== S.chatId) refreshChats().then(() => selectChat(Number(h[1])));
  });
  setInterval(refreshBot, 4000);
  setInterval(refreshChats, 6000);
}

init();
