// The visitor's memory in their own browser (localStorage): "not for me" and "seen it" marks and the country.
// It tells the kernel what it remembers when the page opens, sends each card's button click, and shows the marks
// as a list to undo one by one or clear. Nothing is sent anywhere but this page's kernel.
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
    row.append(what, " ", button("Undo", "Show this film again", () => model.send({ type: "undo", movieId: item.movieId })));
    list.append(row);
  }
  details.append(list, button("Clear all", "Forget every mark", () => model.send({ type: "clear" })));
  details.open = model.get("unfolded");
  details.addEventListener("toggle", () => { model.set("unfolded", details.open); model.save_changes(); });
  el.append(details);
}

function render({ model, el }) {
  // A card's button: the card goes at once; the kernel answers with the next film in its place.
  const onClick = (event) => {
    const target = event.target.closest ? event.target.closest("button.lbrec-mark") : null;
    if (!target) return;
    const movieId = Number.parseInt(target.dataset.movieId, 10);
    const card = target.closest(".lbrec-card");
    if (card) card.classList.add("lbrec-marked");
    model.send({ type: "mark", movieId, mark: target.dataset.mark });
  };
  document.addEventListener("click", onClick);
  model.on("change:memory", () => keep(model.get("memory")));
  model.on("change:listed", () => show(model, el));
  show(model, el);
  model.send({ type: "restore", memory: stored() });
  return () => document.removeEventListener("click", onClick);
}

export default { render };
