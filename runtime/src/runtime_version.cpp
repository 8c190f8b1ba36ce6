// placeholder: runtime sources land here
