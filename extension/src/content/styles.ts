// Styles live in the shadow root so the page's CSS cannot reach the UI, except the ::highlight
// rules: those must be in the document's own scope to paint inside the page's editor.

export const HIGHLIGHT_CSS = `
::highlight(careguard-block) { text-decoration: underline wavy #c4001a; text-decoration-thickness: 1.5px; text-underline-offset: 3px; background-color: rgba(196, 0, 26, 0.10); }
::highlight(careguard-warn) { text-decoration: underline wavy #b25e00; text-decoration-thickness: 1.5px; text-underline-offset: 3px; background-color: rgba(230, 140, 0, 0.12); }
::highlight(careguard-info) { text-decoration: underline dotted #1d5fb4; text-decoration-thickness: 1.5px; text-underline-offset: 3px; }
`;

export const SHADOW_CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.cg { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1b1f; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.underlines { position: fixed; inset: 0; pointer-events: none; z-index: 2147483645; }
.underline { position: fixed; pointer-events: none; border-bottom: 2px solid #c4001a; background: rgba(196, 0, 26, 0.10); }
.underline.warn { border-bottom-color: #b25e00; background: rgba(230, 140, 0, 0.12); }
.underline.info { border-bottom: 2px dotted #1d5fb4; background: transparent; }
.mirror { position: fixed; visibility: hidden; overflow: hidden; pointer-events: none; }
.card { position: fixed; z-index: 2147483646; width: min(380px, calc(100vw - 16px)); max-height: min(60vh, 460px); overflow: auto;
  background: #fff; border: 1px solid #c9c9d1; border-left: 5px solid #c4001a; border-radius: 8px; box-shadow: 0 6px 24px rgba(0,0,0,.18); padding: 10px 12px; }
.card.warn { border-left-color: #b25e00; }
.card.info { border-left-color: #1d5fb4; }
.card[hidden], .pill[hidden], .modal[hidden] { display: none; }
.card-head { display: flex; align-items: center; gap: 8px; margin-bottom: 6px; }
.card-head h2 { font-size: 15px; margin: 0; flex: 1; }
.brand { font-weight: 700; color: #3a2a7a; font-size: 12px; letter-spacing: .02em; }
.finding { border-top: 1px solid #ececf1; padding: 8px 0; }
.finding:first-of-type { border-top: 0; }
.meta { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font-size: 12px; margin-bottom: 4px; }
.tag { display: inline-block; padding: 1px 7px; border-radius: 10px; background: #fde7ea; color: #8a0013; font-weight: 600; }
.tag.warn { background: #fff1dc; color: #7a4000; }
.tag.info { background: #e6effb; color: #123f7a; }
.clause { color: #4a4a55; font-weight: 600; }
.message { margin: 2px 0 6px; }
.why { background: #f6f6fa; border-radius: 6px; padding: 6px 8px; margin: 4px 0 6px; font-size: 13px; }
.note { font-size: 13px; color: #333; margin: 4px 0; }
.safeguarding { font-weight: 600; color: #5b0010; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; }
button { font: inherit; font-size: 13px; padding: 4px 10px; border-radius: 6px; border: 1px solid #8c8c99; background: #fff; color: #1b1b1f; cursor: pointer; }
button:hover { background: #f1f1f6; }
button:focus-visible, input:focus-visible { outline: 3px solid #3a2a7a; outline-offset: 1px; }
button.primary { background: #3a2a7a; border-color: #3a2a7a; color: #fff; }
button.primary:hover { background: #2c1f5e; }
button.icon { border: 0; padding: 2px 6px; font-size: 16px; line-height: 1; }
.pill { position: fixed; right: 16px; bottom: 16px; z-index: 2147483646; max-width: 340px; background: #fff; border: 2px solid #c4001a; border-radius: 10px;
  padding: 10px 12px; box-shadow: 0 6px 24px rgba(0,0,0,.18); }
.pill strong { display: block; color: #8a0013; margin-bottom: 2px; }
.pill p { margin: 0 0 4px; font-size: 13px; }
.modal { position: fixed; inset: 0; z-index: 2147483647; background: rgba(20, 20, 30, .45); display: flex; align-items: center; justify-content: center; }
.dialog { background: #fff; border-radius: 10px; max-width: 460px; width: calc(100vw - 32px); padding: 16px 18px; box-shadow: 0 10px 40px rgba(0,0,0,.3); max-height: 85vh; overflow: auto; }
.dialog h2 { margin: 0 0 6px; font-size: 17px; }
.dialog ul { padding-left: 18px; margin: 6px 0; }
.dialog fieldset { border: 1px solid #d5d5de; border-radius: 6px; margin: 8px 0; padding: 6px 10px; }
.dialog label { display: block; margin: 3px 0; }
.dialog .error { color: #8a0013; font-weight: 600; }
.dialog .buttons { display: flex; gap: 8px; justify-content: flex-end; margin-top: 10px; flex-wrap: wrap; }
.gps { background: #fff1dc; border-radius: 6px; padding: 6px 8px; font-weight: 600; }
`;
