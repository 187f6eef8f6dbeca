// The visitor's memory in their own browser (localStorage): "not for me" and "seen it" marks (the model's films by
// movieId, films only TMDb knows by TMDb id) and the country.
// It tells the kernel what it remembers when the page opens, sends each card's button click, and shows the marks
// as a list to undo one by one or clear. Nothing is sent anywhere but this page's kernel. It also carries the
// link that asks for the picture to share (the kernel draws it then, and it is downloaded here), and brings an
// answer into view after the button's click.
const KEY = "lbrec-memory";
const WORDS = { not_for_me: "Not for me", seen: "Seen it" };

function stored() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || "null");
  } catch (error) {
    return null;
  }
}

function keep(memory) {
  try {
    localStorage.setItem(KEY, JSON.stringify(memory));
  } catch (error) {
    // storage full or refused (private mode): the marks hold for this visit only
  }
}

function button(text, title, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "lbrec-memory-button";
  b.textContent = text;
  b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

function show(model, el) {
  const marks = model.get("listed");
  el.replaceChildren();
  if (!marks.length) return;
  const details = document.createElement("details");
  details.className = "lbrec-memory";
  const summary = document.createElement("summary");
  summary.textContent = `Your marks (${marks.length}), kept in this browser only`;
  details.append(summary);
  const list = document.createElement("ul");
  for (const item of marks) {
    const row = document.createElement("li");
    const what = document.createElement("span");
    what.textContent = `${item.title}: ${WORDS[item.mark] || item.mark}`;
    const film = item.tmdbId === undefined ? { movieId: item.movieId } : { tmdbId: item.tmdbId };
    row.append(what, " ", button("Undo", "Show this film again", () => model.send({ type: "undo", ...film })));
    list.append(row);
  }
  details.append(list, button("Clear all", "Forget every mark", () => model.send({ type: "clear" })));
  details.open = model.get("unfolded");
  details.addEventListener("toggle", () => { model.set("unfolded", details.open); model.save_changes(); });
  el.append(details);
}

function download(message, buffers) {
  if (message.type !== "picture" || !buffers.length) return;
  for (const link of document.querySelectorAll("a.lbrec-picture")) link.classList.remove("lbrec-drawing");
  const url = URL.createObjectURL(new Blob([buffers[0]], { type: "image/png" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = message.name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// After the button's click, the answer's top (the line above it) comes into view when it is in the lower half of the
// screen: on a phone, or under a long form, the first films and the shelf of newer ones are on the first screen.
function answered(message) {
  if (message.type !== "answer") return;
  const top = document.querySelector(".lbrec-answer-top");
  if (top && top.getBoundingClientRect().top > window.innerHeight / 2) top.scrollIntoView({ block: "start" });
}

function render({ model, el }) {
  // A card's button: the card goes at once; the kernel answers with the next film in its place. The picture's
  // link: the kernel draws it and sends it back (`download`).
  const onClick = (event) => {
    const picture = event.target.closest ? event.target.closest("a.lbrec-picture") : null;
    if (picture) {
      event.preventDefault();
      picture.classList.add("lbrec-drawing");
      model.send({ type: "picture" });
      return;
    }
    const target = event.target.closest ? event.target.closest("button.lbrec-mark") : null;
    if (!target) return;
    // the model's film by its movieId; a film only TMDb knows by its TMDb id, with its title for the list
    const film = target.dataset.tmdbId === undefined
      ? { movieId: Number.parseInt(target.dataset.movieId, 10) }
      : { tmdbId: Number.parseInt(target.dataset.tmdbId, 10), title: target.dataset.title };
    const card = target.closest(".lbrec-card");
    if (card) card.classList.add("lbrec-marked");
    model.send({ type: "mark", ...film, mark: target.dataset.mark });
  };
  document.addEventListener("click", onClick);
  model.on("change:memory", () => keep(model.get("memory")));
  model.on("change:listed", () => show(model, el));
  model.on("msg:custom", download);
  model.on("msg:custom", answered);
  show(model, el);
  model.send({ type: "restore", memory: stored() });
  return () => {
    document.removeEventListener("click", onClick);
    model.off("msg:custom", download);
    model.off("msg:custom", answered);
  };
}

export default { render };
