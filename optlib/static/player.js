/* optlib's static player: swaps precomputed frames of an experiment, with no kernel and no
   network. The markup it drives is described in optlib/interact.py. */
(function () {
  "use strict";
  function init(root) {
    if (root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    var data = JSON.parse(root.querySelector("script.optlib-data").textContent);
    var bg = root.querySelector("img.optlib-bg");
    var fg = root.querySelector("img.optlib-frame");
    var inputs = Array.prototype.slice.call(root.querySelectorAll(".optlib-input"));
    var shown = data.frames[parseInt(root.getAttribute("data-frame"), 10)];
    function show() {
      var k = 0, parts = [];
      inputs.forEach(function (el) {
        var i = parseInt(el.value, 10);
        k += i * parseInt(el.getAttribute("data-stride"), 10);
        var text = el.tagName === "SELECT" ? el.options[el.selectedIndex].text
          : JSON.parse(el.getAttribute("data-labels"))[i];
        var out = el.parentNode.querySelector("output.optlib-value");
        if (out) out.textContent = text;
        parts.push(el.closest(".optlib-control").querySelector("span").textContent + " = " + text);
      });
      fg.alt = "Drawn for " + parts.join(", ");  // the overlay's text follows the controls
      var f = data.frames[k];
      if (f[0] !== shown[0]) bg.src = "data:image/png;base64," + data.backgrounds[f[0]];
      if (f[1] !== shown[1]) {  // an overlay is cropped: [png, x, y, width, height] in pixels
        var o = data.overlays[f[1]];
        fg.style.left = (100 * o[1] / data.size[0]) + "%";
        fg.style.top = (100 * o[2] / data.size[1]) + "%";
        fg.style.width = (100 * o[3] / data.size[0]) + "%";
        fg.src = "data:image/png;base64," + o[0];
      }
      shown = f;
      root.setAttribute("data-frame", String(k));
    }
    inputs.forEach(function (el) {
      el.addEventListener("input", show);
      el.addEventListener("change", show);
    });
    root.querySelectorAll("button.optlib-play").forEach(function (btn) {
      var name = btn.getAttribute("data-target");
      var el = inputs.filter(function (e) { return e.name === name; })[0];
      var timer = null;
      btn.addEventListener("click", function () {
        if (timer) {
          clearInterval(timer);
          timer = null;
        } else {
          timer = setInterval(function () {
            el.value = String((parseInt(el.value, 10) + 1) % (parseInt(el.max, 10) + 1));
            show();
          }, parseInt(btn.getAttribute("data-interval"), 10));
        }
        btn.textContent = timer ? "Pause" : "Play";
        btn.setAttribute("aria-pressed", timer ? "true" : "false");
      });
    });
  }
  document.querySelectorAll(".optlib-player").forEach(init);
})();
