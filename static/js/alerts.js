// Alerts (dashboard/alerts/): the tab title counts the customers waiting past the alert
// threshold, and, for who opted in, a beep and a desktop notification tell each new
// crossing or failed delivery once. The poll's element (#alert-state, never shown) carries
// the state; its contract is in templates/alerts/state.html.
(() => {
  const COUNT_PREFIX = /^\(\d+\) /;
  const known = new Set(); // keys seen in this page: never told (again)
  let primed = false; // the first fresh state is what was known on load: nothing is told
  let count = 0;
  let floor = 0; // a truncated list's oldest crossing: an older one showing up is not new
  const prefs = { sound: false, desktop: false };

  function showCount() {
    const base = document.title.replace(COUNT_PREFIX, "");
    document.title = count > 0 ? `(${count}) ${base}` : base;
  }

  function read(state) {
    if (state.dataset.first !== undefined) {
      prefs.sound = state.dataset.sound === "on";
      prefs.desktop = state.dataset.desktop === "on";
    }
    // No index yet, or a stale one: keep the last count rather than flash to zero.
    if (state.dataset.state !== "fresh") return;
    count = Number(state.dataset.count) || 0;
    showCount();
    const alerts = [...state.querySelectorAll("a[data-key]")];
    for (const alert of alerts) {
      const key = alert.dataset.key;
      if (known.has(key)) continue;
      known.add(key);
      const old = alert.dataset.kind === "waiting" && Number(alert.dataset.at) < floor;
      if (primed && !old) tell(alert);
    }
    primed = true;
    const ats = alerts.filter((a) => a.dataset.kind === "waiting").map((a) => Number(a.dataset.at));
    floor = state.dataset.complete === "false" && ats.length ? Math.min(...ats) : 0;
  }

  // One tab of several tells it: the first to claim the key in this browser.
  function claim(key) {
    const name = `alerts:told:${key}`;
    try {
      if (localStorage.getItem(name)) return false;
      localStorage.setItem(name, String(Date.now()));
    } catch {
      // Storage refused (private mode, full): tell it here; the tag still collapses them.
    }
    return true;
  }

  function forgetOldClaims() {
    try {
      const dayAgo = Date.now() - 86400000;
      for (const name of Object.keys(localStorage)) {
        if (name.startsWith("alerts:told:") && Number(localStorage.getItem(name)) < dayAgo) {
          localStorage.removeItem(name);
        }
      }
    } catch {
      // Nothing to tidy without storage.
    }
  }

  function tell(alert) {
    if (!(prefs.sound || prefs.desktop) || !claim(alert.dataset.key)) return;
    if (prefs.sound) beep();
    if (prefs.desktop && "Notification" in window && Notification.permission === "granted") {
      const note = new Notification(alert.textContent.trim(), {
        tag: alert.dataset.key,
        body: "Flownally Supervisor: open the conversation",
      });
      note.onclick = () => {
        window.focus();
        window.location.assign(alert.href);
        note.close();
      };
    }
  }

  // A beep from an oscillator: no audio file, nothing for the CSP to allow. Browsers let a
  // page make sound only after the person clicked or typed in it, so the context is
  // created (or resumed) on their first gesture.
  let audio = null;
  function unlockAudio() {
    if (!window.AudioContext) return;
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
  }
  function beep() {
    if (!audio || audio.state !== "running") return;
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = 880;
    volume.gain.setValueAtTime(0.2, audio.currentTime);
    volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    tone.connect(volume).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  // The preference page: switching desktop notifications on asks the browser, within the
  // click, and says plainly when it refuses; switching the sound on plays it once.
  function say(text) {
    const line = document.getElementById("alert-permission");
    if (line) line.textContent = text;
  }
  const BLOCKED =
    "Your browser blocks notifications from this dashboard. Allow them in the site's settings (the icon left of the address), then switch this on again.";
  function checkDesktop(box) {
    if (!("Notification" in window)) {
      box.checked = false;
      say("This browser cannot show desktop notifications.");
    } else if (Notification.permission === "denied") {
      box.checked = false;
      say(BLOCKED);
    } else if (Notification.permission === "granted") {
      say("Your browser allows notifications from this dashboard. Save to switch them on.");
    } else {
      Notification.requestPermission().then((answer) => {
        if (answer === "granted") {
          say("Your browser allows notifications from this dashboard. Save to switch them on.");
        } else {
          box.checked = false;
          say(BLOCKED);
        }
      });
    }
  }
  document.addEventListener("change", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.checked) return;
    if (box.id === "alert-desktop") checkDesktop(box);
    if (box.id === "alert-sound") {
      unlockAudio();
      setTimeout(beep, 50);
    }
  });

  function start() {
    forgetOldClaims();
    const desktop = document.getElementById("alert-desktop");
    const granted = "Notification" in window && Notification.permission === "granted";
    if (desktop && desktop.checked && !granted) {
      say("Desktop notifications are on, but this browser does not allow them yet: switch them off and on again to be asked.");
    }
    const state = document.getElementById("alert-state");
    if (state) read(state);
  }
  document.addEventListener("htmx:load", (event) => {
    if (event.target.id === "alert-state") read(event.target);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
