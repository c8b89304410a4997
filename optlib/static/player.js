/* optlib's static player: shows the precomputed states of an experiment with no kernel and no
   network. A state is a background PNG and an overlay: either a PNG, or polylines and markers
   drawn on a canvas from numbers. The markup and the data are described in
   optlib/interact/__init__.py; the vector format in optlib/interact/_vectors.py. */
(function () {
  "use strict";

  function inflate(b64) {  // base64 of zlib-compressed zigzag varints -> Int32Array
    var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
    if (!bytes.length) return Promise.resolve(new Int32Array(0));
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buf) {
      var b = new Uint8Array(buf), n = 0, i;
      for (i = 0; i < b.length; i++) if (b[i] < 128) n++;  // a number ends at a byte < 128
      var out = new Int32Array(n), k = 0, v = 0, scale = 1;
      for (i = 0; i < b.length; i++) {
        v += (b[i] & 127) * scale;  // seven bits at a time (no 32-bit shifts: no overflow)
        if (b[i] < 128) {
          out[k++] = v % 2 ? -(v + 1) / 2 : v / 2;  // zigzag: 0, -1, 1, -2, ... <- 0, 1, 2, 3
          v = 0;
          scale = 1;
        } else scale *= 128;
      }
      return out;
    });
  }

  function marker(ctx, shape, size) {  // the marker's outline at (0, 0), size in pixels
    ctx.beginPath();
    if (shape.circle) {
      ctx.arc(0, 0, shape.circle * size, 0, 2 * Math.PI);
      return true;
    }
    var closed = true;
    shape.polys.forEach(function (p) {
      ctx.moveTo(p[1][0] * size, p[1][1] * size);
      for (var i = 2; i < p[1].length; i += 2) ctx.lineTo(p[1][i] * size, p[1][i + 1] * size);
      if (p[0]) ctx.closePath(); else closed = false;
    });
    return closed;
  }

  function draw(ctx, data, points, overlay) {
    var q = data.q, p = overlay.o;
    overlay.l.forEach(function (item) {
      var st = data.styles[item[0]], n = item[1], xs = new Float64Array(n), ys = new Float64Array(n);
      var x = 0, y = 0;
      for (var i = 0; i < n; i++) {
        x += points[p++]; y += points[p++];
        xs[i] = x / q; ys[i] = y / q;
      }
      ctx.save();
      if (st.clip) {
        ctx.beginPath();
        ctx.rect(st.clip[0], st.clip[1], st.clip[2], st.clip[3]);
        ctx.clip();
      }
      if (st.w && n > 1) {
        ctx.beginPath();
        ctx.moveTo(xs[0], ys[0]);
        for (var k = 1; k < n; k++) ctx.lineTo(xs[k], ys[k]);
        ctx.lineWidth = st.w;
        ctx.strokeStyle = st.c;
        ctx.setLineDash(st.d || []);
        ctx.lineDashOffset = st.do || 0;
        ctx.lineCap = st.cap;
        ctx.lineJoin = st.join;
        ctx.stroke();
      }
      if (st.m !== undefined) {
        var shape = data.markers[st.m];
        ctx.setLineDash([]);
        for (var j = 0; j < n; j++) {
          ctx.save();
          ctx.translate(xs[j], ys[j]);
          var closed = marker(ctx, shape, st.ms);
          if (st.mf && closed) { ctx.fillStyle = st.mf; ctx.fill(); }
          if (st.me) { ctx.lineWidth = st.mw; ctx.strokeStyle = st.me; ctx.stroke(); }
          ctx.restore();
        }
      }
      ctx.restore();
    });
  }

  function init(root) {
    if (root.getAttribute("data-ready")) return;
    var data = JSON.parse(root.querySelector("script.optlib-data").textContent);
    var bg = root.querySelector("img.optlib-bg");
    var fg = root.querySelector("img.optlib-frame");
    var canvas = root.querySelector("canvas.optlib-canvas");
    var top = root.querySelector("img.optlib-fg");
    var inputs = Array.prototype.slice.call(root.querySelectorAll(".optlib-input"));
    var w = data.size[0], h = data.size[1], ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
    var ctx = canvas.getContext("2d");
    var points = null, shown = [-1, -1], first = bg.src;

    function place(img, p) {  // a cropped PNG [png, x, y, width, height] in its box
      img.style.left = (100 * p[1] / w) + "%";
      img.style.top = (100 * p[2] / h) + "%";
      img.style.width = (100 * p[3] / w) + "%";
      img.src = "data:image/png;base64," + p[0];
    }

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
      canvas.setAttribute("aria-label", fg.alt);
      var f = data.frames[k];
      if (f[0] !== shown[0]) {
        bg.src = data.backgrounds[f[0]] ? "data:image/png;base64,"
          + data.backgrounds[f[0]] : first;  // "": the default state's, in the img at first
        var g = data.foregrounds[f[0]];  // static artists above the moving ones, or null
        if (g) place(top, g);
        top.style.visibility = g ? "visible" : "hidden";
      }
      if (f[1] !== shown[1]) {
        var o = data.overlays[f[1]];
        if (o.png) {  // a cropped PNG: [png, x, y, width, height] in pixels
          place(fg, o.png);
          fg.style.visibility = "visible";
          canvas.style.visibility = "hidden";
        } else {
          ctx.setTransform(1, 0, 0, 1, 0, 0);
          ctx.clearRect(0, 0, canvas.width, canvas.height);
          ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
          draw(ctx, data, points, o);
          canvas.style.visibility = "visible";
          fg.style.visibility = "hidden";
        }
      }
      shown = f;
      root.setAttribute("data-frame", String(k));
    }

    function start() {
      shown = data.frames[parseInt(root.getAttribute("data-frame"), 10)].slice();
      shown[1] = -1;  // draw the default overlay in the player's own way
      if (!data.foregrounds[shown[0]]) top.style.visibility = "hidden";
      show();
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
      root.setAttribute("data-ready", "1");
    }

    inflate(data.points).then(function (p) { points = p; start(); }, function (err) {
      root.setAttribute("data-error", String(err));  // the default picture stays
      if (window.console) console.error("optlib player: " + err);
    });
  }

  document.querySelectorAll(".optlib-player").forEach(init);
})();
