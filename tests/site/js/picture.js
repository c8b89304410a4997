async root => {
    // what the player shows now: the frame index, a fingerprint of the picture (background,
    // PNG overlay if visible, the canvas's pixels if visible), the overlay's alt text
    const bg = root.querySelector('img.optlib-bg'), fg = root.querySelector('img.optlib-frame');
    const canvas = root.querySelector('canvas.optlib-canvas');
    await Promise.all([bg, fg].map(img => img && img.decode().catch(() => null)));
    const pngShown = fg && fg.style.visibility !== 'hidden';
    const canvasShown = canvas && canvas.style.visibility === 'visible';
    return {frame: root.getAttribute('data-frame'),
            src: (bg ? bg.src : '') + (pngShown ? fg.src : '') + (canvasShown ? canvas.toDataURL() : ''),
            alt: fg ? fg.alt : '',
            loaded: [bg, fg].every(img => !img || (img.complete && img.naturalWidth > 0))};
}
