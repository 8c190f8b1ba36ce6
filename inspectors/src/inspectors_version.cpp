// placeholder: Qt panels land here
