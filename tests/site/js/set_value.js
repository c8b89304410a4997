(el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', {bubbles: true}));
}
