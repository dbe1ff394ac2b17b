// peerlab's only script, a progressive enhancement: every page works without it.
// A <select data-autosubmit> saves its form as soon as it changes (the form also has a
// Save button inside <noscript> for browsers without JavaScript).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit();
  }
});
