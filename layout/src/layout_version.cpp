// placeholder: layout sources land here
