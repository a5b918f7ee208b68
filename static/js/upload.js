// Upload page: drag and drop onto the drop zone, and a summary of the chosen files with
// the limits checked before anything is sent (the server checks them again).
const form = document.querySelector("[data-upload-form]");
if (form) {
  const zone = form.querySelector("[data-dropzone]");
  const input = form.querySelector("input[type=file]");
  const chosen = form.querySelector("[data-chosen]");
  const submit = form.querySelector("[data-upload-submit]");
  const maxFiles = Number(input.dataset.maxFiles);
  const maxFileBytes = Number(input.dataset.maxFileBytes);
  const maxBatchBytes = Number(input.dataset.maxBatchBytes);

  const size = (bytes) =>
    bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;

  const describe = () => {
    const files = Array.from(input.files);
    const total = files.reduce((sum, file) => sum + file.size, 0);
    const tooBig = files.filter((f) => !f.name.toLowerCase().endsWith(".zip") && f.size > maxFileBytes);
    const problems = [];
    if (files.length > maxFiles) problems.push(`more than ${maxFiles} files`);
    if (total > maxBatchBytes) problems.push(`more than ${size(maxBatchBytes)} in all`);
    chosen.textContent = files.length
      ? `${files.length} file${files.length === 1 ? "" : "s"} chosen, ${size(total)}.` +
        (tooBig.length ? ` ${tooBig.length} over ${size(maxFileBytes)} will be rejected.` : "")
      : "";
    chosen.classList.toggle("error", problems.length > 0);
    if (problems.length) chosen.textContent += ` Too much at once: ${problems.join(" and ")}.`;
    submit.disabled = files.length === 0 || problems.length > 0;
  };

  input.addEventListener("change", describe);
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("is-over");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("is-over"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      describe();
    }
  });
  form.addEventListener("submit", () => {
    submit.disabled = true;
    submit.textContent = "Uploading…";
  });
}
