// Call page: clicking a turn seeks the recording there; the turn being played is highlighted.
(function () {
  const player = document.getElementById("player");
  const turns = Array.from(document.querySelectorAll("#transcript .turn"));
  if (!turns.length) return;

  function seekTo(turn) {
    if (!player) return;
    player.currentTime = parseFloat(turn.dataset.start) || 0;
    player.play().catch(() => {});  // autoplay rules may refuse; the seek still happened
  }

  turns.forEach((turn) => {
    turn.addEventListener("click", () => seekTo(turn));
    turn.addEventListener("keydown", (e) => { if (e.key === "Enter") seekTo(turn); });
  });

  // Disclosure times: play the recording from where the merchant heard it.
  document.querySelectorAll(".disclosures .seek").forEach((link) => {
    link.addEventListener("click", (e) => {
      e.preventDefault();
      if (!player) return;
      player.currentTime = parseFloat(link.dataset.start) || 0;
      player.play().catch(() => {});
    });
  });

  // Links from a collected field to the turn it came from: scroll there, mark it, and play it.
  document.querySelectorAll(".turn-link").forEach((link) => {
    link.addEventListener("click", (e) => {
      e.preventDefault();
      const turn = document.getElementById("turn-" + link.dataset.turn);
      if (!turn) return;
      turns.forEach((t) => t.classList.remove("target"));
      turn.classList.add("target");
      turn.scrollIntoView({ block: "center", behavior: "smooth" });
      seekTo(turn);
    });
  });

  if (!player) return;
  let current = null;
  function highlight() {
    const t = player.currentTime;
    const playing = turns.find((turn) => t >= parseFloat(turn.dataset.start) && t < parseFloat(turn.dataset.end)) || null;
    if (playing === current) return;
    if (current) current.classList.remove("playing");
    current = playing;
    if (current) {
      current.classList.add("playing");
      const box = current.parentElement;
      if (current.offsetTop < box.scrollTop || current.offsetTop > box.scrollTop + box.clientHeight - 40) {
        current.scrollIntoView({ block: "nearest", behavior: "smooth" });
      }
    }
  }
  player.addEventListener("timeupdate", highlight);
  player.addEventListener("seeked", highlight);
})();
