/* The widget manager that shows embedded ipywidgets on the website (_static/vendor/
   jupyter-widgets/embed.js) typesets widget labels with MathJax 2's MathJax.Hub.Queue, while
   the book loads MathJax 3. On pages with math, give MathJax 3 that one call, queued after the
   page's own typesetting. Jupyter Book adds every script of _static/ to every page; this one
   runs before the deferred MathJax script and does nothing where a page has no math. */
(function () {
  "use strict";
  var config = window.MathJax;
  if (!config || config.version) return;
  config.startup = config.startup || {};
  var ready = config.startup.ready;
  config.startup.ready = function () {
    if (ready) ready(); else MathJax.startup.defaultReady();
    MathJax.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        MathJax.startup.promise = MathJax.startup.promise.then(function () {
          return MathJax.typesetPromise(element ? [element] : undefined);
        });
        return MathJax.startup.promise;
      },
    };
  };
})();
