() => [...document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"]')].every(s => {
    const area = s.previousElementSibling;
    return area && area.classList.contains('widget-subarea') && area.children.length > 0;
})
