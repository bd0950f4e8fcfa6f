document.getElementById("root")!.textContent = "IO Worker";
